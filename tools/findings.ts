// The one findings type and report format of the offline checks (chart, Terraform, observability).
/** One problem a check found. */
export interface Finding {
  /** The rule: the upstream rule it stands in for (CKV_AWS_17, kube-score container-resources) or this project's. */
  rule: string;
  /** Where: a file and the address in it (main.tf: aws_vpc.this), or a rendered object (Deployment/shipshape-users). */
  where: string;
  /** What is wrong and what would make it right, one sentence. */
  message: string;
}

export const formatFinding = (f: Finding): string => `${f.where}: [${f.rule}] ${f.message}`;

/** A check's report: one finding per line, or a line saying there are none. */
export function formatReport(check: string, findings: readonly Finding[]): string {
  return findings.length === 0
    ? `${check}: no findings`
    : [`${check}: ${findings.length} finding${findings.length === 1 ? '' : 's'}`, ...findings.map(formatFinding)].join(
        '\n',
      );
}
