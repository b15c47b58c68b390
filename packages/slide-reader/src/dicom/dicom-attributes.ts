/**
 * Read access to a DICOM data set, as much of it as slide reading uses. dicom-parser's `DataSet`
 * (a file's header) has this shape; so does `DicomJsonAttributes` (a DICOMweb metadata
 * document), which lets one `describeDicomInstance` serve both. Tags are `xggggeeee`, lower case.
 */
export interface DicomAttributes {
  string(tag: string, index?: number): string | undefined;
  uint16(tag: string, index?: number): number | undefined;
  uint32(tag: string, index?: number): number | undefined;
  int32(tag: string, index?: number): number | undefined;
  float(tag: string, index?: number): number | undefined;
  floatString(tag: string, index?: number): number | undefined;
  intString(tag: string, index?: number): number | undefined;
  elements: Record<string, { items?: Array<{ dataSet?: DicomAttributes | undefined }> | undefined } | undefined>;
}
