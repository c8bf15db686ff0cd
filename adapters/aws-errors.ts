/** `Code: message` of an AWS SDK error (the code alone when there is no other message), for error lines. */
export function awsReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message === '' || error.message === error.name
    ? error.name
    : `${error.name}: ${error.message}`;
}
