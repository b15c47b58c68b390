import { describe, expect, it } from 'vitest';
import { isOmeXml, parseOmeXml } from '../../packages/slide-reader/src/tiff/ome-xml.ts';

const ome = (pixelsAttributes: string, extra = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06">${extra}` +
  `<Image ID="Image:0" Name="slide"><ObjectiveSettings ID="Objective:0:1"/><Pixels ID="Pixels:0" SizeX="100" SizeY="80" ${pixelsAttributes}><TiffData IFD="0"/></Pixels></Image>` +
  `<Image ID="Image:1" Name="label"><Pixels ID="Pixels:1" SizeX="10" SizeY="8"><TiffData IFD="3"/></Pixels></Image></OME>`;

describe('parseOmeXml', () => {
  it('converts PhysicalSizeX/Y from their units to µm, defaulting to µm', () => {
    expect(parseOmeXml(ome('PhysicalSizeX="0.25" PhysicalSizeY="0.26"'))[0]).toMatchObject({
      physicalSizeXUm: 0.25,
      physicalSizeYUm: 0.26,
    });
    expect(
      parseOmeXml(ome('PhysicalSizeX="500" PhysicalSizeXUnit="nm" PhysicalSizeY="0.0005" PhysicalSizeYUnit="mm"'))[0],
    ).toMatchObject({ physicalSizeXUm: 0.5, physicalSizeYUm: 0.5 });
    expect(parseOmeXml(ome('PhysicalSizeX="2500" PhysicalSizeXUnit="Å"'))[0]!.physicalSizeXUm).toBeCloseTo(0.25, 10);
    expect(parseOmeXml(ome('PhysicalSizeX="1" PhysicalSizeXUnit="parsec"'))[0]!.physicalSizeXUm).toBeNull();
    expect(parseOmeXml(ome(''))[0]!.physicalSizeXUm).toBeNull();
  });

  it('finds each image’s page and the objective it refers to', () => {
    const objectives =
      '<Instrument ID="Instrument:0"><Objective ID="Objective:0:0" NominalMagnification="20"/><Objective ID="Objective:0:1" NominalMagnification="40"/></Instrument>';
    const [slide, label] = parseOmeXml(ome('', objectives));
    expect(slide).toMatchObject({ name: 'slide', ifd: 0, widthPx: 100, heightPx: 80, objectivePower: 40 });
    expect(label).toMatchObject({ name: 'label', ifd: 3, objectivePower: null });
  });

  it('recognises OME-XML and rejects malformed text', () => {
    expect(isOmeXml(ome(''))).toBe(true);
    expect(isOmeXml('Aperio Image Library v12')).toBe(false);
    expect(isOmeXml(null)).toBe(false);
    expect(() => parseOmeXml('<NotOme/>')).toThrow(/no <OME> root/);
  });
});
