export { validateReports, roleOf, type ValidationContext, type ValidationResult, type RejectedReport } from './validate-reports.js';
export { reportShape, shapeIssues, hasPlainShape } from './report-shape.js';
export { checkValues, type ReportRejectionCode, type ValueCheckContext, type ReportIds } from './report-checks.js';
export { zodIssues } from './zod-issues.js';
export { maxIdLength, maxRegionLength, maxUnixSeconds, textProblem, checkText, isAcceptableText } from './text-limits.js';
export { registrationIssues, type RegistrationFields } from './registration.js';
