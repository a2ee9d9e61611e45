import type { z } from 'zod';
import type { Issue } from '../errors/index.js';

/** Turns zod's issues into SEF's `Issue` list (dotted paths, stable codes). */
export function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({
    path: i.path.map(String).join('.'),
    code: i.code,
    message: i.message,
  }));
}
