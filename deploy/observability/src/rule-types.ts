// The shape of a Prometheus rule file, typed so that an alert cannot be written without its severity, summary,
// description and runbook link.

export type Severity = 'critical' | 'warning';

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: Severity } & Record<string, string>;
  annotations: {
    summary: string;
    description: string;
    runbook_url: string;
    dashboard?: string;
  };
}

export type Rule = RecordingRule | AlertRule;

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Rule[];
}

export interface RuleFile {
  groups: RuleGroup[];
}

export const isAlert = (rule: Rule): rule is AlertRule => 'alert' in rule;
