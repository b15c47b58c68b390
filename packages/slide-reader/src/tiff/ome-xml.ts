import { XMLParser } from 'fast-xml-parser';

/** One `<Image>` of an OME-XML document, reduced to what a slide reader needs. */
export interface OmeImage {
  name: string | null;
  /** The TIFF page (IFD index in the main chain) holding the image's first plane. */
  ifd: number;
  widthPx: number | null;
  heightPx: number | null;
  /** µm per pixel along x / y, converted from `PhysicalSizeX/Y` in their units; null when absent or in an unknown unit.
   *
   */
  physicalSizeXUm: number | null;
  physicalSizeYUm: number | null;
  /** `NominalMagnification` of the objective the image refers to (or the only one described). */
  objectivePower: number | null;
}

/** Micrometres per unit, for the length units OME allows that a slide could use. */
const micrometresPerUnit: Record<string, number> = {
  pm: 1e-6,
  Å: 1e-4,
  nm: 1e-3,
  µm: 1,
  μm: 1, // Greek mu, as some writers spell it
  um: 1,
  mm: 1e3,
  cm: 1e4,
  m: 1e6,
  in: 25_400,
};

export function isOmeXml(description: string | null): description is string {
  return description !== null && /<OME[\s>]/.test(description) && description.includes('openmicroscopy.org');
}

/**
 * Reads the `<Image>` elements of an OME-XML ImageDescription. `PhysicalSizeXUnit` defaults to
 * µm as the schema says. Throws when the text is not well-formed XML.
 */
export function parseOmeXml(text: string): OmeImage[] {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    removeNSPrefix: true,
    parseAttributeValue: false,
    isArray: (name) => ['Image', 'TiffData', 'Objective', 'Instrument'].includes(name),
  });
  const document = parser.parse(text) as { OME?: OmeElement };
  const ome = document.OME;
  if (!ome) throw new Error('no <OME> root element');
  const objectives = new Map<string, number | null>();
  for (const instrument of ome.Instrument ?? []) {
    for (const objective of instrument.Objective ?? [])
      objectives.set(objective.ID ?? '', positiveNumber(objective.NominalMagnification));
  }
  const onlyObjective = objectives.size === 1 ? [...objectives.values()][0]! : null;

  return (ome.Image ?? []).map((image) => {
    const pixels = image.Pixels ?? {};
    const objectiveId = image.ObjectiveSettings?.ID;
    return {
      name: image.Name ?? null,
      ifd: Number.parseInt(pixels.TiffData?.[0]?.IFD ?? '0', 10) || 0,
      widthPx: positiveNumber(pixels.SizeX),
      heightPx: positiveNumber(pixels.SizeY),
      physicalSizeXUm: inMicrometres(pixels.PhysicalSizeX, pixels.PhysicalSizeXUnit),
      physicalSizeYUm: inMicrometres(pixels.PhysicalSizeY, pixels.PhysicalSizeYUnit),
      objectivePower:
        objectiveId !== undefined && objectives.has(objectiveId) ? objectives.get(objectiveId)! : onlyObjective,
    };
  });
}

interface OmeElement {
  Instrument?: Array<{ Objective?: Array<{ ID?: string; NominalMagnification?: string }> }>;
  Image?: Array<{
    Name?: string;
    ObjectiveSettings?: { ID?: string };
    Pixels?: {
      SizeX?: string;
      SizeY?: string;
      PhysicalSizeX?: string;
      PhysicalSizeY?: string;
      PhysicalSizeXUnit?: string;
      PhysicalSizeYUnit?: string;
      TiffData?: Array<{ IFD?: string }>;
    };
  }>;
}

function inMicrometres(value: string | undefined, unit: string | undefined): number | null {
  const size = positiveNumber(value);
  const factor = micrometresPerUnit[unit ?? 'µm'];
  return size === null || factor === undefined ? null : size * factor;
}

function positiveNumber(text: string | undefined): number | null {
  if (text === undefined) return null;
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? value : null;
}
