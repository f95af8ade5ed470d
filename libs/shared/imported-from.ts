/**
 * The row of an import file a fact came from: the job, the file (its name and SHA-256, so the
 * very bytes can be found again) and the row, numbered as a spreadsheet shows it (header = 1).
 */
export interface ImportedFrom {
  jobId: string;
  fileName: string;
  fileSha256: string;
  row: number;
}
