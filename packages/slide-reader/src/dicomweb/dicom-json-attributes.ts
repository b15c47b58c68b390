import type { DicomAttributes } from '../dicom/dicom-attributes.ts';

/** One attribute of the DICOM JSON model (PS3.18 F.2): `{ "vr": "US", "Value": [240] }`. */
interface DicomJsonAttribute {
  vr?: string;
  Value?: unknown[];
}

/** A DICOM JSON object: eight-hex-digit tags (`"00480006"`) to attributes. */
export type DicomJsonObject = Record<string, DicomJsonAttribute>;

/**
 * A DICOMweb metadata document read through `DicomAttributes`, the interface the file reader's
 * parsing uses, so `describeDicomInstance` reads a server's instance as it reads a file's header.
 */
export class DicomJsonAttributes implements DicomAttributes {
  readonly elements: DicomAttributes['elements'];
  readonly #object: DicomJsonObject;

  constructor(object: DicomJsonObject) {
    this.#object = object;
    this.elements = {};
    for (const [key, attribute] of Object.entries(object)) {
      const items =
        attribute.vr === 'SQ'
          ? (attribute.Value ?? []).map((item) => ({ dataSet: new DicomJsonAttributes(item as DicomJsonObject) }))
          : undefined;
      this.elements[`x${key.toLowerCase()}`] = { items };
    }
  }

  string(tag: string, index?: number): string | undefined {
    const values = this.#values(tag);
    if (!values) return undefined;
    const asText = values.map((value) =>
      value && typeof value === 'object' && 'Alphabetic' in value
        ? String((value as { Alphabetic: unknown }).Alphabetic)
        : String(value),
    );
    return index === undefined ? asText.join('\\') : asText[index];
  }

  uint16(tag: string, index = 0): number | undefined {
    return this.#number(tag, index);
  }

  uint32(tag: string, index = 0): number | undefined {
    return this.#number(tag, index);
  }

  int32(tag: string, index = 0): number | undefined {
    return this.#number(tag, index);
  }

  float(tag: string, index = 0): number | undefined {
    return this.#number(tag, index);
  }

  floatString(tag: string, index = 0): number | undefined {
    return this.#number(tag, index);
  }

  intString(tag: string, index = 0): number | undefined {
    const value = this.#number(tag, index);
    return value === undefined ? undefined : Math.trunc(value);
  }

  #values(tag: string): unknown[] | undefined {
    const values = this.#object[tag.replace(/^x/, '').toUpperCase()]?.Value;
    return values && values.length > 0 ? values : undefined;
  }

  #number(tag: string, index: number): number | undefined {
    const value = this.#values(tag)?.[index];
    if (value === undefined || value === null) return undefined;
    const parsed = typeof value === 'number' ? value : Number(String(value).trim());
    return Number.isFinite(parsed) ? parsed : undefined;
  }
}
