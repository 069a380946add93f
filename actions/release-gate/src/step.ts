/**
 * Runs one gate as a log group and a row of the summary: `detail` says what it found, a failure's
 * message is the row's detail.
 */
export type Step = <T>(name: string, fn: () => Promise<T>, detail: (t: T) => string) => Promise<T>
