import { PathLensError } from '@pathlens/core';
import onnxProto from 'onnx-proto';
import { quantizeInt8Weights } from './int8-weights.ts';

const { onnx } = onnxProto;
type TensorProto = InstanceType<typeof onnx.TensorProto>;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type GraphProto = InstanceType<typeof onnx.GraphProto>;
const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;

export interface QuantizeDynamicOptions {
  /** One weight scale per output column instead of one per matrix (ORT's `per_channel`). Default false. */
  perColumn?: boolean;
  /**
   * Weights (initializer names) whose MatMul/Gemm stays fp32, like ORT's `nodes_to_exclude`: for a
   * matrix whose meaning lives below int8 resolution, such as a logit table of -10,000 walls and
   * 1e-5 tie-breaks, which one scale of 10,000 / 127 would flatten.
   */
  excludeWeights?: readonly string[];
}

export interface QuantizeDynamicResult {
  modelBytes: Uint8Array;
  /** MatMul/Gemm nodes rewritten to MatMulInteger. */
  quantizedNodeCount: number;
  /** Distinct weight matrices stored as int8. */
  quantizedWeightCount: number;
}

/** DynamicQuantizeLinear and MatMulInteger are in the default domain from opset 11. */
const minimumOpset = 11;

/**
 * ONNX Runtime's dynamic quantization (`onnxruntime.quantization.quantize_dynamic` with its
 * defaults), as a graph rewrite: every MatMul, and every Gemm without `transA`, whose weight is
 * a constant fp32 matrix becomes
 *
 *   DynamicQuantizeLinear(activation) → uint8, scale, zero point (once per activation tensor)
 *   MatMulInteger(activation uint8, weight int8, zero points) → int32
 *   Cast → fp32, Mul by (activation scale × weight scale)
 *
 * (Gemm keeps its alpha, bias and beta as Mul/Add after it). ONNX Runtime fuses the pattern into
 * its DynamicQuantizeMatMul / MatMulIntegerToFloat kernels when the session loads. Products of two
 * activations (attention scores) stay fp32, as do fp32 weights nothing else uses besides
 * quantized nodes, which are dropped.
 *
 * @example
 * const { modelBytes } = quantizeDynamic(await fs.readFile('onnx/vision_model.onnx'));
 * await fs.writeFile('onnx/vision_model_quantized.onnx', modelBytes);
 */
export function quantizeDynamic(modelBytes: Uint8Array, options: QuantizeDynamicOptions = {}): QuantizeDynamicResult {
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph as GraphProto | null;
  if (!graph) throw new PathLensError('unsupported_format', 'The ONNX file has no graph to quantize.');
  const opset = model.opsetImport.find((entry) => !entry.domain || entry.domain === 'ai.onnx');
  if (opset && Number(opset.version) < minimumOpset)
    throw new PathLensError(
      'unsupported_format',
      `The ONNX file uses opset ${Number(opset.version)}; int8 quantization needs opset ${minimumOpset} or later. Re-export the model with a newer opset.`,
    );

  const initializers = new Map((graph.initializer as TensorProto[]).map((tensor) => [tensor.name, tensor]));
  const graphInputs = new Set(graph.input.map((input) => input.name ?? ''));
  const weights = new Map<string, QuantizedWeightNames>();
  const activations = new Map<string, QuantizedActivationNames>();
  const newInitializers: TensorProto[] = [];
  const nodes: NodeProto[] = [];
  let quantizedNodeCount = 0;

  const excluded = new Set(options.excludeWeights ?? []);
  for (const node of graph.node as NodeProto[]) {
    const plan = excluded.has(node.input[1] ?? '') ? null : quantizablePlan(node, initializers, graphInputs);
    if (!plan) {
      nodes.push(node);
      continue;
    }
    quantizedNodeCount += 1;
    const [activation] = node.input as [string];
    const label = node.name || node.output[0]!;
    let activationNames = activations.get(activation);
    if (!activationNames) {
      activationNames = {
        quantized: `${activation}_quantized`,
        scale: `${activation}_scale`,
        zeroPoint: `${activation}_zero_point`,
      };
      activations.set(activation, activationNames);
      nodes.push(
        makeNode(
          'DynamicQuantizeLinear',
          `${activation}_QuantizeLinear`,
          [activation],
          [activationNames.quantized, activationNames.scale, activationNames.zeroPoint],
        ),
      );
    }
    const weightKey = `${plan.weight.name}${plan.transposeWeight ? ':transposed' : ''}`;
    let weightNames = weights.get(weightKey);
    if (!weightNames) {
      weightNames = quantizeWeight(plan.weight, plan.transposeWeight, options.perColumn ?? false, newInitializers);
      weights.set(weightKey, weightNames);
    }
    const output = node.output[0]!;
    const hasTail = plan.alpha !== 1 || plan.bias !== undefined;
    const product = hasTail ? `${output}_product` : output;
    nodes.push(
      makeNode(
        'MatMulInteger',
        `${label}_quant`,
        [activationNames.quantized, weightNames.quantized, activationNames.zeroPoint, weightNames.zeroPoint],
        [`${output}_output_quantized`],
      ),
      makeNode(
        'Cast',
        `${label}_output_quantized_cast`,
        [`${output}_output_quantized`],
        [`${output}_output_quantized_cast_output`],
        { to: DataType.FLOAT },
      ),
      makeNode('Mul', `${label}_scales_mul`, [activationNames.scale, weightNames.scale], [`${label}_scales_mul:0`]),
      makeNode(
        'Mul',
        `${label}_output_scale_mul`,
        [`${output}_output_quantized_cast_output`, `${label}_scales_mul:0`],
        [product],
      ),
    );
    if (hasTail) nodes.push(...gemmTail(plan, label, product, output, newInitializers));
  }

  graph.node = nodes;
  graph.initializer = [...(graph.initializer as TensorProto[]), ...newInitializers];
  dropUnusedInitializers(graph);
  return {
    modelBytes: onnx.ModelProto.encode(model).finish(),
    quantizedNodeCount,
    quantizedWeightCount: weights.size,
  };
}

interface QuantizedWeightNames {
  quantized: string;
  scale: string;
  zeroPoint: string;
}

interface QuantizedActivationNames {
  quantized: string;
  scale: string;
  zeroPoint: string;
}

/** What a MatMul or Gemm needs to be rewritten, or null when it keeps fp32. */
interface QuantizablePlan {
  weight: TensorProto;
  /** Gemm with transB=1: the stored weight is [N, K] and is transposed before rounding. */
  transposeWeight: boolean;
  alpha: number;
  beta: number;
  bias: string | undefined;
}

function quantizablePlan(
  node: NodeProto,
  initializers: Map<string, TensorProto>,
  graphInputs: Set<string>,
): QuantizablePlan | null {
  if (node.domain && node.domain !== 'ai.onnx') return null;
  if (node.opType !== 'MatMul' && node.opType !== 'Gemm') return null;
  const weightName = node.input[1];
  if (weightName === undefined || graphInputs.has(weightName)) return null; // an input can override it: not constant
  const weight = initializers.get(weightName);
  if (!weight || weight.dataType !== DataType.FLOAT || weight.dims.length !== 2) return null;
  if (weight.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)
    throw new PathLensError(
      'unsupported_format',
      `Weight "${weightName}" is stored in an external data file; quantize a model saved with its weights inside the .onnx file.`,
    );
  if (node.opType === 'MatMul') return { weight, transposeWeight: false, alpha: 1, beta: 1, bias: undefined };
  const attribute = (name: string) => node.attribute.find((candidate) => candidate.name === name);
  if (Number(attribute('transA')?.i ?? 0) !== 0) return null;
  return {
    weight,
    transposeWeight: Number(attribute('transB')?.i ?? 0) !== 0,
    alpha: attribute('alpha')?.f ?? 1,
    beta: attribute('beta')?.f ?? 1,
    bias: node.input[2] || undefined,
  };
}

function quantizeWeight(
  weight: TensorProto,
  transpose: boolean,
  perColumn: boolean,
  newInitializers: TensorProto[],
): QuantizedWeightNames {
  const [storedRows, storedColumns] = weight.dims.map(Number) as [number, number];
  const stored = floatValues(weight);
  const values = transpose ? transposed(stored, storedRows, storedColumns) : stored;
  const [rows, columns] = transpose ? [storedColumns, storedRows] : [storedRows, storedColumns];
  const { quantized, scales } = quantizeInt8Weights(values, rows, columns, { perColumn });
  const base = transpose ? `${weight.name}_transposed` : weight.name;
  const names = { quantized: `${base}_quantized`, scale: `${base}_scale`, zeroPoint: `${base}_zero_point` };
  const scaleDimensions = perColumn ? [columns] : [];
  newInitializers.push(
    tensor(names.quantized, DataType.INT8, [rows, columns], new Uint8Array(quantized.buffer)),
    tensor(names.scale, DataType.FLOAT, scaleDimensions, new Uint8Array(scales.buffer)),
    tensor(names.zeroPoint, DataType.INT8, scaleDimensions, new Uint8Array(scales.length)),
  );
  return names;
}

/** Gemm's `alpha × product + beta × bias`, after the quantized product. */
function gemmTail(
  plan: QuantizablePlan,
  label: string,
  product: string,
  output: string,
  newInitializers: TensorProto[],
): NodeProto[] {
  const nodes: NodeProto[] = [];
  let current = product;
  const scalar = (name: string, value: number) => {
    newInitializers.push(tensor(name, DataType.FLOAT, [], new Uint8Array(new Float32Array([value]).buffer)));
    return name;
  };
  if (plan.alpha !== 1) {
    const scaled = plan.bias === undefined ? output : `${output}_alpha`;
    nodes.push(makeNode('Mul', `${label}_alpha_mul`, [current, scalar(`${label}_alpha`, plan.alpha)], [scaled]));
    current = scaled;
  }
  if (plan.bias !== undefined) {
    let bias = plan.bias;
    if (plan.beta !== 1) {
      bias = `${label}_bias_beta`;
      nodes.push(makeNode('Mul', `${label}_beta_mul`, [plan.bias, scalar(`${label}_beta`, plan.beta)], [bias]));
    }
    nodes.push(makeNode('Add', `${label}_bias_add`, [current, bias], [output]));
  }
  return nodes;
}

/** Removes initializers no node (in any sub-graph) and no graph output reads any more: the replaced fp32 weights. */
function dropUnusedInitializers(graph: GraphProto): void {
  const used = new Set(graph.output.map((output) => output.name));
  const visit = (current: GraphProto) => {
    for (const node of current.node as NodeProto[]) {
      for (const input of node.input) used.add(input);
      for (const attribute of node.attribute) {
        if (attribute.g) visit(attribute.g as GraphProto);
        for (const subgraph of attribute.graphs ?? []) visit(subgraph as GraphProto);
      }
    }
  };
  visit(graph);
  graph.initializer = graph.initializer.filter((initializer) => used.has(initializer.name));
}

function floatValues(weight: TensorProto): Float32Array {
  if (weight.rawData && weight.rawData.length > 0) {
    const aligned = new Uint8Array(weight.rawData); // a copy: the view into the file may not be 4-byte aligned
    return new Float32Array(aligned.buffer, 0, aligned.length / 4);
  }
  return Float32Array.from(weight.floatData);
}

function transposed(values: Float32Array, rows: number, columns: number): Float32Array {
  const result = new Float32Array(values.length);
  for (let row = 0; row < rows; row += 1)
    for (let column = 0; column < columns; column += 1) result[column * rows + row] = values[row * columns + column]!;
  return result;
}

function tensor(name: string, dataType: number, dims: number[], rawData: Uint8Array): TensorProto {
  return onnx.TensorProto.create({ name, dataType, dims, rawData });
}

function makeNode(
  opType: string,
  name: string,
  inputs: string[],
  outputs: string[],
  integerAttributes: Record<string, number> = {},
): NodeProto {
  return onnx.NodeProto.create({
    opType,
    name,
    input: inputs,
    output: outputs,
    attribute: Object.entries(integerAttributes).map(([key, value]) =>
      onnx.AttributeProto.create({ name: key, type: AttributeType.INT, i: value }),
    ),
  });
}
