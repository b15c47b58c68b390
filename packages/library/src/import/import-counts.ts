/** What an import did with its rows. `rowsRead` = `imported` + `duplicates` + `rejected`. */
export interface ImportCounts {
  rowsRead: number;
  /** New library entries, `textOnly` of them without an image. */
  imported: number;
  textOnly: number;
  /** Rows whose content (image bytes, or caption text for text-only rows) was already stored or came earlier in the
   * input.
   */
  duplicates: number;
  rejected: number;
}

export function emptyImportCounts(): ImportCounts {
  return { rowsRead: 0, imported: 0, textOnly: 0, duplicates: 0, rejected: 0 };
}

export function addImportCounts(total: ImportCounts, more: ImportCounts): ImportCounts {
  total.rowsRead += more.rowsRead;
  total.imported += more.imported;
  total.textOnly += more.textOnly;
  total.duplicates += more.duplicates;
  total.rejected += more.rejected;
  return total;
}
