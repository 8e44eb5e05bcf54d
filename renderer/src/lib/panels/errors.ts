/** Any failure of a request, as a message and a hint a panel can show where it happened. */
import { EngineRequestError } from '../api';

export interface ShownError {
  message: string;
  hint: string;
}

export function shownError(error: unknown): ShownError {
  if (error instanceof EngineRequestError) return { message: error.message, hint: error.hint };
  return { message: error instanceof Error ? error.message : String(error), hint: '' };
}
