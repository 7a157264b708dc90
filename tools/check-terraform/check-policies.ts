// Runs every policy over every resource of every module instance reachable from a root, then applies the
// exceptions file; unused exceptions are findings too.
import { instantiate, Subject } from './evaluate.ts';
import { EXCEPTIONS, type PolicyException } from './exceptions.ts';
import type { Finding } from './finding.ts';
import type { TfTree } from './model.ts';
import { POLICIES, type Policy } from './policies.ts';

export interface PolicyCounts {
  policies: number;
  evaluations: number;
  waived: number;
}

export function checkPolicies(
  tree: TfTree,
  policies: Policy[] = POLICIES,
  exceptions: PolicyException[] = EXCEPTIONS,
): { findings: Finding[]; counts: PolicyCounts } {
  const findings: Finding[] = [];
  const counts: PolicyCounts = { policies: policies.length, evaluations: 0, waived: 0 };
  const used = new Set<PolicyException>();
  for (const instance of instantiate(tree)) {
    for (const resource of instance.module.resources) {
      const key = resource.kind === 'data' ? `data.${resource.type}` : resource.type;
      const subject = new Subject(resource, instance);
      for (const policy of policies) {
        if (!policy.types.includes(key)) continue;
        counts.evaluations++;
        const failure = policy.check(subject);
        if (!failure) continue;
        const exception = exceptions.find(
          (candidate) =>
            candidate.policy === policy.id && candidate.root === instance.root && candidate.address === subject.address,
        );
        if (exception) {
          used.add(exception);
          counts.waived++;
          continue;
        }
        findings.push({
          rule: policy.id,
          where: `${resource.file}: ${instance.root}: ${subject.address}`,
          message: `${policy.title}: ${failure}`,
        });
      }
    }
  }
  for (const exception of exceptions) {
    if (used.has(exception)) continue;
    findings.push({
      rule: 'exception',
      where: `tools/check-terraform/exceptions.ts: ${exception.root}: ${exception.address}`,
      message: `the exception for ${exception.policy} no longer matches a finding; remove it`,
    });
  }
  return { findings, counts };
}
