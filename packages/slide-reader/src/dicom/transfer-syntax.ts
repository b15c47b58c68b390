/** How a DICOM file's frames are encoded, and whether PathLens can read them. */
export interface TransferSyntax {
  uid: string;
  name: string;
  /** `native`: raw samples; `jpeg`: one JPEG stream per frame (decoded with sharp); `other`: not decodable here. */
  pixels: 'native' | 'jpeg' | 'other';
  /** Implicit VR little endian (elements carry no VR). */
  implicit: boolean;
  /** False for deflated and big-endian files, whose data elements PathLens does not parse. */
  headerReadable: boolean;
}

const known: Record<string, Omit<TransferSyntax, 'uid'>> = {
  '1.2.840.10008.1.2': { name: 'implicit VR little endian', pixels: 'native', implicit: true, headerReadable: true },
  '1.2.840.10008.1.2.1': { name: 'explicit VR little endian', pixels: 'native', implicit: false, headerReadable: true },
  '1.2.840.10008.1.2.1.99': {
    name: 'deflated explicit VR little endian',
    pixels: 'other',
    implicit: false,
    headerReadable: false,
  },
  '1.2.840.10008.1.2.2': { name: 'explicit VR big endian', pixels: 'other', implicit: false, headerReadable: false },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG baseline', pixels: 'jpeg', implicit: false, headerReadable: true },
  '1.2.840.10008.1.2.4.51': { name: 'JPEG extended', pixels: 'jpeg', implicit: false, headerReadable: true },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG lossless', pixels: 'other', implicit: false, headerReadable: true },
  '1.2.840.10008.1.2.4.70': {
    name: 'JPEG lossless (first-order prediction)',
    pixels: 'other',
    implicit: false,
    headerReadable: true,
  },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS lossless', pixels: 'other', implicit: false, headerReadable: true },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS near-lossless', pixels: 'other', implicit: false, headerReadable: true },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 lossless', pixels: 'other', implicit: false, headerReadable: true },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000', pixels: 'other', implicit: false, headerReadable: true },
  '1.2.840.10008.1.2.4.201': { name: 'HTJ2K lossless', pixels: 'other', implicit: false, headerReadable: true },
  '1.2.840.10008.1.2.4.202': { name: 'HTJ2K lossless RPCL', pixels: 'other', implicit: false, headerReadable: true },
  '1.2.840.10008.1.2.4.203': { name: 'HTJ2K', pixels: 'other', implicit: false, headerReadable: true },
  '1.2.840.10008.1.2.5': { name: 'RLE lossless', pixels: 'other', implicit: false, headerReadable: true },
};

export function transferSyntaxOf(uid: string): TransferSyntax {
  const trimmed = uid.replace(/\0/g, '').trim();
  return {
    uid: trimmed,
    ...(known[trimmed] ?? {
      name: `transfer syntax ${trimmed}`,
      pixels: 'other',
      implicit: false,
      headerReadable: true,
    }),
  };
}
