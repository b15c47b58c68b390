/** One try of the model at a report field or a whole report, kept for the response and the logs. */
export interface ReportAttempt {
  /** 1-based. */
  attempt: number;
  /** What was wrong; empty when this attempt was accepted. */
  problems: string[];
  /** How the output was repaired before validating (`json syntax repaired`, `notice set`…). */
  repairs: string[];
}
