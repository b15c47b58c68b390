/** A tensor as `torch.save` pickles it: a view of a storage, which is a separate file in the zip. */
export interface PickledTensor {
  /** `FloatStorage`, `HalfStorage`, … */
  storageType: string;
  storageKey: string;
  /** In elements of the storage. */
  offset: number;
  shape: number[];
  stride: number[];
}

interface Global {
  kind: 'global';
  name: string;
}

interface Storage {
  kind: 'storage';
  storageType: string;
  key: string;
}

/** The only callables a state dict needs; any other global is refused before anything runs. */
const allowedGlobals = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  ...['Float', 'Half', 'BFloat16', 'Long', 'Int', 'Bool', 'Double', 'Byte', 'Char', 'Short'].map(
    (type) => `torch.${type}Storage`,
  ),
]);

/**
 * Runs the subset of the pickle protocol (up to 5) that `torch.save(state_dict)` writes and
 * returns the tensors by key. Not a general unpickler: unknown opcodes and globals throw.
 * Opcodes: https://github.com/python/cpython/blob/main/Lib/pickletools.py
 */
export function unpickleStateDict(bytes: Uint8Array): Map<string, PickledTensor> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let position = 0;
  const readLine = () => {
    const end = bytes.indexOf(0x0a, position);
    const line = decoder.decode(bytes.subarray(position, end));
    position = end + 1;
    return line;
  };
  const take = (length: number) => {
    const slice = bytes.subarray(position, position + length);
    position += length;
    return slice;
  };
  const popMark = () => {
    const start = marks.pop()!;
    return stack.splice(start);
  };

  while (position < bytes.length) {
    const opcode = bytes[position++]!;
    switch (opcode) {
      case 0x80: // PROTO
        position += 1;
        break;
      case 0x95: // FRAME
        position += 8;
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map<unknown, unknown>());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push(stack.splice(-1));
        break;
      case 0x86: // TUPLE2
        stack.push(stack.splice(-2));
        break;
      case 0x87: // TUPLE3
        stack.push(stack.splice(-3));
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(bytes[position++]!);
        break;
      case 0x4d: // BININT2
        stack.push(view.getUint16(position, true));
        position += 2;
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(position, true));
        position += 4;
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement of n bytes
        const length = bytes[position++]!;
        let value = 0n;
        for (let index = length - 1; index >= 0; index--) value = (value << 8n) | BigInt(bytes[position + index]!);
        if (length > 0 && bytes[position + length - 1]! & 0x80) value -= 1n << BigInt(8 * length);
        position += length;
        stack.push(Number(value));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        stack.push(view.getFloat64(position, false));
        position += 8;
        break;
      case 0x58: {
        // BINUNICODE
        const length = view.getUint32(position, true);
        position += 4;
        stack.push(decoder.decode(take(length)));
        break;
      }
      case 0x8c: {
        // SHORT_BINUNICODE
        const length = bytes[position++]!;
        stack.push(decoder.decode(take(length)));
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const name = `${readLine()}.${readLine()}`;
        if (!allowedGlobals.has(name))
          throw new Error(`the checkpoint's pickle uses ${name}, which a plain state dict does not`);
        stack.push({ kind: 'global', name } satisfies Global);
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const [module, name] = stack.splice(-2) as [string, string];
        const fullName = `${module}.${name}`;
        if (!allowedGlobals.has(fullName))
          throw new Error(`the checkpoint's pickle uses ${fullName}, which a plain state dict does not`);
        stack.push({ kind: 'global', name: fullName } satisfies Global);
        break;
      }
      case 0x51: {
        // BINPERSID: ('storage', storage type, key, location, numel)
        const [tag, storageType, key] = stack.pop() as [string, Global, string];
        if (tag !== 'storage') throw new Error(`unknown persistent id ${tag}`);
        stack.push({ kind: 'storage', storageType: storageType.name.replace(/^torch\./, ''), key } satisfies Storage);
        break;
      }
      case 0x52: {
        // REDUCE
        const [callable, argumentsTuple] = stack.splice(-2) as [Global, unknown[]];
        stack.push(reduce(callable, argumentsTuple));
        break;
      }
      case 0x62: // BUILD: state for the object below (an OrderedDict's _metadata): not needed
        stack.pop();
        break;
      case 0x71: // BINPUT
        memo.set(bytes[position++]!, stack.at(-1));
        break;
      case 0x72: // LONG_BINPUT
        memo.set(view.getUint32(position, true), stack.at(-1));
        position += 4;
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, stack.at(-1));
        break;
      case 0x68: // BINGET
        stack.push(memo.get(bytes[position++]!));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memo.get(view.getUint32(position, true)));
        position += 4;
        break;
      case 0x73: {
        // SETITEM
        const [key, value] = stack.splice(-2);
        (stack.at(-1) as Map<unknown, unknown>).set(key, value);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const target = stack.at(-1) as Map<unknown, unknown>;
        for (let index = 0; index < items.length; index += 2) target.set(items[index], items[index + 1]);
        break;
      }
      case 0x61: // APPEND
        (stack.at(-2) as unknown[]).push(stack.pop());
        break;
      case 0x65: {
        // APPENDS
        const items = popMark();
        (stack.at(-1) as unknown[]).push(...items);
        break;
      }
      case 0x2e: {
        // STOP
        return stateDictTensors(stack.pop());
      }
      default:
        throw new Error(
          `the checkpoint's pickle uses opcode 0x${opcode.toString(16)}, which a plain state dict does not`,
        );
    }
  }
  throw new Error('the pickle ends without STOP');
}

function reduce(callable: Global, argumentsTuple: unknown[]): unknown {
  switch (callable.name) {
    case 'collections.OrderedDict':
      return new Map();
    case 'torch._utils._rebuild_tensor_v2': {
      const [storage, offset, shape, stride] = argumentsTuple as [Storage, number, number[], number[]];
      return {
        storageType: storage.storageType,
        storageKey: storage.key,
        offset,
        shape: [...shape],
        stride: [...stride],
      } satisfies PickledTensor;
    }
    case 'torch._utils._rebuild_parameter':
      return argumentsTuple[0];
    default:
      throw new Error(`${callable.name} cannot be called while reading a state dict`);
  }
}

function stateDictTensors(root: unknown): Map<string, PickledTensor> {
  if (!(root instanceof Map)) throw new Error('the pickle does not hold a state dict');
  // open_clip training checkpoints wrap the weights: { state_dict: {...}, epoch, ... }.
  const stateDict = root.get('state_dict') instanceof Map ? (root.get('state_dict') as Map<unknown, unknown>) : root;
  const tensors = new Map<string, PickledTensor>();
  for (const [key, value] of stateDict) {
    if (typeof key === 'string' && value && typeof value === 'object' && 'storageKey' in value)
      tensors.set(key.replace(/^module\./, ''), value as PickledTensor);
  }
  return tensors;
}
