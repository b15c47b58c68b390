import koffi, { type LibraryHandle } from 'koffi';

/** An `openslide_t *` as koffi hands it back (an opaque address). */
export type OpenSlideHandle = unknown;

/**
 * The OpenSlide C API (3.4 and 4.x share these calls), bound through koffi. `readRegion` and
 * `readAssociatedImage` run on a worker thread (OpenSlide handles are thread-safe), so reads
 * overlap with other work instead of blocking the event loop.
 */
export interface OpenSlideLibrary {
  /** The file name the library was loaded from, and its version (`openslide_get_version`). */
  libraryName: string;
  version: string;
  /** Vendor OpenSlide sees in a file (`aperio`, `hamamatsu`, `mirax`, …), or null. */
  detectVendor(filePath: string): string | null;
  /** Null when OpenSlide does not recognise the file; otherwise a handle (check `getError`). */
  open(filePath: string): OpenSlideHandle | null;
  close(handle: OpenSlideHandle): void;
  getError(handle: OpenSlideHandle): string | null;
  levelCount(handle: OpenSlideHandle): number;
  levelDimensions(handle: OpenSlideHandle, level: number): { widthPx: number; heightPx: number };
  levelDownsample(handle: OpenSlideHandle, level: number): number;
  propertyNames(handle: OpenSlideHandle): string[];
  propertyValue(handle: OpenSlideHandle, name: string): string | null;
  associatedImageNames(handle: OpenSlideHandle): string[];
  associatedImageDimensions(handle: OpenSlideHandle, name: string): { widthPx: number; heightPx: number };
  /** Premultiplied ARGB, one uint32 a pixel, `widthPx × heightPx`; position in level-0 pixels. */
  readRegion(
    handle: OpenSlideHandle,
    destination: Uint32Array,
    xLevel0: number,
    yLevel0: number,
    level: number,
    widthPx: number,
    heightPx: number,
  ): Promise<void>;
  readAssociatedImage(handle: OpenSlideHandle, name: string, destination: Uint32Array): Promise<void>;
}

/** Library names tried in order: Debian/Ubuntu's libopenslide0 (3.4.1), then OpenSlide 4. */
export const defaultOpenSlideLibraryNames = [
  'libopenslide.so.0',
  'libopenslide.so.1',
  'libopenslide.1.dylib',
  'libopenslide.0.dylib',
];

export const openSlideInstallHint =
  'Install OpenSlide to read it: `apt-get install libopenslide0` on Debian/Ubuntu (`brew install openslide` on macOS), then restart PathLens.';

const loaded = new Map<string, OpenSlideLibrary | null>();

/**
 * Loads OpenSlide once per library name. `libraryName` null disables OpenSlide (for tests and
 * deployments that must not use it); undefined tries `defaultOpenSlideLibraryNames`.
 * Returns null when no library can be loaded.
 *
 * @example
 * const openslide = loadOpenSlide();
 * if (!openslide) console.warn(openSlideInstallHint);
 */
export function loadOpenSlide(libraryName?: string | null): OpenSlideLibrary | null {
  if (libraryName === null) return null;
  for (const name of libraryName === undefined ? defaultOpenSlideLibraryNames : [libraryName]) {
    if (!loaded.has(name)) loaded.set(name, tryLoad(name));
    const library = loaded.get(name);
    if (library) return library;
  }
  return null;
}

let openSlideTypeDeclared = false;

/** koffi refuses a second declaration of the same type name. */
function declareOpenSlideType(): void {
  if (openSlideTypeDeclared) return;
  koffi.opaque('openslide_t');
  openSlideTypeDeclared = true;
}

function tryLoad(libraryName: string): OpenSlideLibrary | null {
  let library: LibraryHandle;
  try {
    library = koffi.load(libraryName);
  } catch {
    return null;
  }
  declareOpenSlideType();
  const call = {
    version: library.func('const char *openslide_get_version()'),
    detectVendor: library.func('const char *openslide_detect_vendor(const char *filename)'),
    open: library.func('openslide_t *openslide_open(const char *filename)'),
    close: library.func('void openslide_close(openslide_t *osr)'),
    getError: library.func('const char *openslide_get_error(openslide_t *osr)'),
    levelCount: library.func('int32_t openslide_get_level_count(openslide_t *osr)'),
    levelDimensions: library.func(
      'void openslide_get_level_dimensions(openslide_t *osr, int32_t level, _Out_ int64_t *w, _Out_ int64_t *h)',
    ),
    levelDownsample: library.func('double openslide_get_level_downsample(openslide_t *osr, int32_t level)'),
    propertyNames: library.func('const char **openslide_get_property_names(openslide_t *osr)'),
    propertyValue: library.func('const char *openslide_get_property_value(openslide_t *osr, const char *name)'),
    associatedNames: library.func('const char **openslide_get_associated_image_names(openslide_t *osr)'),
    associatedDimensions: library.func(
      'void openslide_get_associated_image_dimensions(openslide_t *osr, const char *name, _Out_ int64_t *w, _Out_ int64_t *h)',
    ),
    readRegion: library.func(
      'void openslide_read_region(openslide_t *osr, _Out_ uint32_t *dest, int64_t x, int64_t y, int32_t level, int64_t w, int64_t h)',
    ),
    readAssociated: library.func(
      'void openslide_read_associated_image(openslide_t *osr, const char *name, _Out_ uint32_t *dest)',
    ),
  };
  const dimensions = (fill: (width: number[], height: number[]) => void) => {
    const width = [0];
    const height = [0];
    fill(width, height);
    return { widthPx: Number(width[0]), heightPx: Number(height[0]) };
  };
  const onWorker = (fn: ReturnType<LibraryHandle['func']>, ...args: unknown[]) =>
    new Promise<void>((resolve, reject) => fn.async(...args, (error: unknown) => (error ? reject(error) : resolve())));

  return {
    libraryName,
    version: String(call.version()),
    detectVendor: (filePath) => call.detectVendor(filePath) as string | null,
    open: (filePath) => call.open(filePath) ?? null,
    close: (handle) => call.close(handle),
    getError: (handle) => call.getError(handle) as string | null,
    levelCount: (handle) => Number(call.levelCount(handle)),
    levelDimensions: (handle, level) =>
      dimensions((width, height) => call.levelDimensions(handle, level, width, height)),
    levelDownsample: (handle, level) => Number(call.levelDownsample(handle, level)),
    propertyNames: (handle) => stringList(call.propertyNames(handle)),
    propertyValue: (handle, name) => call.propertyValue(handle, name) as string | null,
    associatedImageNames: (handle) => stringList(call.associatedNames(handle)),
    associatedImageDimensions: (handle, name) =>
      dimensions((width, height) => call.associatedDimensions(handle, name, width, height)),
    readRegion: (handle, destination, xLevel0, yLevel0, level, widthPx, heightPx) =>
      onWorker(call.readRegion, handle, destination, xLevel0, yLevel0, level, widthPx, heightPx),
    readAssociatedImage: (handle, name, destination) => onWorker(call.readAssociated, handle, name, destination),
  };
}

/** A NULL-terminated `const char **` (owned by OpenSlide) as strings. */
function stringList(pointer: unknown): string[] {
  const values: string[] = [];
  if (!pointer) return values;
  const pointerSizeBytes = koffi.sizeof('void *');
  for (let index = 0; ; index++) {
    const value = koffi.decode(pointer, index * pointerSizeBytes, 'const char *') as string | null;
    if (value === null) return values;
    values.push(value);
  }
}

/**
 * Whether OpenSlide can be used here, and which build: for start-up logs and health output.
 *
 * @example
 * openSlideStatus(); // { available: true, libraryName: 'libopenslide.so.0', version: '3.4.1' }
 */
export function openSlideStatus(libraryName?: string | null): {
  available: boolean;
  libraryName: string | null;
  version: string | null;
} {
  const library = loadOpenSlide(libraryName);
  return { available: library !== null, libraryName: library?.libraryName ?? null, version: library?.version ?? null };
}
