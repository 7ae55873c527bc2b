/** The body of every error answer (docs/api.md "Errors"). */
export interface ErrorBody {
  error: string;
  message: string;
  request_id: string;
  /** One issue per field, for validation errors. */
  details?: { field: string; message: string }[];
}
