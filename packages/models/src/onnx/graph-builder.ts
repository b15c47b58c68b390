import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Element types the generated graphs use. */
export type ElementType = 'float32' | 'int64' | 'bool';

/** A dimension: a fixed size, or a symbolic name such as `batch_size`. */
export type Dimension = number | string;

/** Attribute values the generated graphs use (ONNX attribute kinds INT, INTS, FLOAT). */
export type AttributeValue = number | readonly number[] | { float: number };

const elementTypeCodes: Record<ElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

/** IR version and opset that ONNX Runtime 1.30 (onnxruntime-node) loads. */
export const irVersion = 8;
export const opsetVersion = 17;

/**
 * Builds one ONNX graph in memory and serialises it to `ModelProto` bytes.
 *
 * The byte output is a pure function of the calls made (no timestamps, no random names),
 * so a seeded generator produces identical files on every run.
 *
 * @example
 * const graph = new GraphBuilder('doubler');
 * graph.addInput('x', 'float32', ['batch_size', 3]);
 * const two = graph.addConstant('two', new Float32Array([2]), []);
 * graph.addOutput(graph.addNode('Mul', ['x', two], 'y'), 'float32', ['batch_size', 3]);
 * await fs.writeFile('doubler.onnx', graph.toModelBytes());
 */
export class GraphBuilder {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly initializerNames = new Set<string>();
  private nodeCount = 0;

  constructor(private readonly graphName: string) {}

  addInput(name: string, elementType: ElementType, dimensions: readonly Dimension[]): string {
    this.inputs.push(valueInfo(name, elementType, dimensions));
    return name;
  }

  addOutput(name: string, elementType: ElementType, dimensions: readonly Dimension[]): string {
    this.outputs.push(valueInfo(name, elementType, dimensions));
    return name;
  }

  /** Adds a weight or constant; adding the same name twice keeps the first (shared sub-graphs). */
  addConstant(
    name: string,
    values: Float32Array | BigInt64Array | Uint8Array,
    dimensions: readonly number[],
    elementType: ElementType = values instanceof Float32Array
      ? 'float32'
      : values instanceof BigInt64Array
        ? 'int64'
        : 'bool',
  ): string {
    if (this.initializerNames.has(name)) return name;
    const expectedCount = dimensions.reduce((product, size) => product * size, 1);
    if (values.length !== expectedCount) {
      throw new Error(`Constant ${name}: ${values.length} values for shape [${dimensions.join(', ')}]`);
    }
    this.initializerNames.add(name);
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims: [...dimensions],
        dataType: elementTypeCodes[elementType],
        // Raw data is little-endian, which is every platform Node.js runs on.
        rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
      }),
    );
    return name;
  }

  /** Scalar or 1-d int64 constant, for shapes, axes and indices. */
  addIntegers(name: string, values: readonly number[], scalar = false): string {
    return this.addConstant(name, BigInt64Array.from(values.map(BigInt)), scalar ? [] : [values.length]);
  }

  /** Scalar float32 constant. */
  addScalar(name: string, value: number): string {
    return this.addConstant(name, new Float32Array([value]), []);
  }

  /**
   * Appends a node and returns its first output's name. `outputs` may be one name, several
   * names, or omitted (a unique name is made from the op type).
   */
  addNode(
    opType: string,
    inputs: readonly string[],
    outputs?: string | readonly string[],
    attributes: Record<string, AttributeValue> = {},
  ): string {
    this.nodeCount += 1;
    const outputNames =
      outputs === undefined
        ? [`${opType.toLowerCase()}_${this.nodeCount}`]
        : typeof outputs === 'string'
          ? [outputs]
          : [...outputs];
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        name: `${opType}_${this.nodeCount}`,
        input: [...inputs],
        output: outputNames,
        attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
      }),
    );
    return outputNames[0]!;
  }

  toModelBytes(producerName = 'pathlens-models'): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion,
      producerName,
      opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: opsetVersion })],
      graph: onnx.GraphProto.create({
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      }),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, elementType: ElementType, dimensions: readonly Dimension[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: elementTypeCodes[elementType],
        shape: onnx.TensorShapeProto.create({
          dim: dimensions.map((dimension) =>
            typeof dimension === 'number'
              ? onnx.TensorShapeProto.Dimension.create({ dimValue: dimension })
              : onnx.TensorShapeProto.Dimension.create({ dimParam: dimension }),
          ),
        }),
      }),
    }),
  });
}

function attribute(name: string, value: AttributeValue) {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'number') return onnx.AttributeProto.create({ name, type: AttributeType.INT, i: value });
  if ('float' in value) return onnx.AttributeProto.create({ name, type: AttributeType.FLOAT, f: value.float });
  return onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints: [...value] });
}
