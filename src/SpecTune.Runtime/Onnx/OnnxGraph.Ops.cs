using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SpecTune.Onnx;

/// <summary>The ops: each ONNX node becomes TorchSharp calls, so autograd flows through the imported graph.</summary>
/// <remarks>Over 300 lines because it is one table: the op set and its dispatch, one case per op, read side by side.</remarks>
internal sealed partial class OnnxGraph
{
    /// <summary>The ONNX ops the importer runs (default domain).</summary>
    public static readonly IReadOnlySet<string> Ops = new HashSet<string>(StringComparer.Ordinal)
    {
        "Conv", "BatchNormalization", "Relu", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
        "Add", "Sub", "Mul", "Div", "Pow", "MatMul", "Gemm", "Reshape", "Flatten", "Transpose", "Concat", "Gather",
        "Softmax", "Erf", "Sqrt", "Exp", "Log", "Neg", "Abs", "Reciprocal", "Tanh", "Sigmoid", "ReduceMean", "ReduceSum",
        "LayerNormalization", "Unsqueeze", "Squeeze", "Slice", "Shape", "Cast", "Where", "Equal", "Constant", "Identity",
        "Dropout",
    };

    private Tensor Execute(NodeProto node, Tensor?[] a)
    {
        Tensor X(int i) => a.Length > i && a[i] is { } t ? t
            : throw new OnnxImportException(Model, $"node '{node.Name}' ({node.OpType}) lacks input {i}");
        switch (node.OpType)
        {
            case "Identity": case "Dropout": return X(0).alias();
            case "Relu": return F.relu(X(0));
            case "Tanh": return X(0).tanh();
            case "Sigmoid": return X(0).sigmoid();
            case "Erf": return X(0).erf();
            case "Sqrt": return X(0).sqrt();
            case "Exp": return X(0).exp();
            case "Log": return X(0).log();
            case "Neg": return X(0).neg();
            case "Abs": return X(0).abs();
            case "Reciprocal": return X(0).reciprocal();
            case "Add": return X(0) + X(1);
            case "Sub": return X(0) - X(1);
            case "Mul": return X(0) * X(1);
            case "Div":
                // ONNX integer division truncates; torch's / would give floats.
                return X(0).is_floating_point() ? X(0) / X(1) : X(0).div(X(1), rounding_mode: RoundingMode.trunc);
            case "Pow": return X(0).pow(X(1));
            case "Equal": return X(0).eq(X(1));
            case "Where": return where(X(0), X(1), X(2));
            case "MatMul": return matmul(X(0), X(1));
            case "Gemm": return Gemm(node, X(0), X(1), a.Length > 2 ? a[2] : null);
            case "Conv": return Conv(node, X(0), X(1), a.Length > 2 ? a[2] : null);
            case "MaxPool": return Pool(node, X(0), max: true);
            case "AveragePool": return Pool(node, X(0), max: false);
            case "GlobalAveragePool": return X(0).mean(Enumerable.Range(2, (int)X(0).dim() - 2).Select(d => (long)d).ToArray(), keepdim: true);
            case "GlobalMaxPool": return X(0).amax(Enumerable.Range(2, (int)X(0).dim() - 2).Select(d => (long)d).ToArray(), keepdim: true);
            case "Softmax": return Softmax(node, X(0));
            case "ReduceMean": case "ReduceSum": return Reduce(node, a);
            case "LayerNormalization":
            {
                var x = X(0);
                long axis = Axis(AttrInt(node, "axis", -1), x.dim());
                return F.layer_norm(x, x.shape[(int)axis..], X(1), a.Length > 2 ? a[2] : null, Attr(node, "epsilon", 1e-5f));
            }
            case "Reshape": return Reshape(node, X(0), Longs(X(1)));
            case "Flatten":
            {
                var x = X(0);
                long axis = Axis(AttrInt(node, "axis", 1), x.dim() + 1);
                long outer = x.shape.Take((int)axis).Aggregate(1L, (p, d) => p * d);
                return x.reshape(outer, -1);
            }
            case "Transpose":
            {
                var x = X(0);
                var perm = AttrInts(node, "perm") ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(d => (long)d).ToArray();
                return x.permute(perm);
            }
            case "Concat":
            {
                var parts = a.Where(t => t is not null && t.numel() > 0 || (t is not null && a.Count(u => u is not null) == 1)).Select(t => t!).ToArray();
                return cat(parts, Axis(AttrInt(node, "axis", 0), parts[0].dim()));
            }
            case "Gather": return Gather(node, X(0), X(1));
            case "Unsqueeze":
            {
                var x = X(0);
                var axes = Opset >= 13 ? Longs(X(1)) : AttrInts(node, "axes")!;
                long rank = x.dim() + axes.Length;
                var result = x.alias();
                foreach (var axis in axes.Select(ax => Axis(ax, rank)).Order())
                {
                    var next = result.unsqueeze(axis);
                    result.Dispose();
                    result = next;
                }
                return result;
            }
            case "Squeeze":
            {
                var x = X(0);
                var axes = Opset >= 13 ? (a.Length > 1 && a[1] is not null ? Longs(a[1]!) : null) : AttrInts(node, "axes");
                if (axes is null) return x.squeeze();
                var keep = x.shape.Where((_, d) => !axes.Select(ax => Axis(ax, x.dim())).Contains(d)).ToArray();
                return x.reshape(keep);
            }
            case "Slice": return Slice(node, a);
            case "Shape":
            {
                var shape = X(0).shape;
                long rank = shape.Length;
                long start = Math.Clamp(Axis(AttrInt(node, "start", 0), rank, clamp: true), 0, rank);
                long end = Math.Clamp(Axis(AttrInt(node, "end", rank), rank, clamp: true), 0, rank);
                return tensor(shape[(int)start..(int)Math.Max(start, end)], dtype: ScalarType.Int64, device: X(0).device);
            }
            case "Cast": return X(0).to(OnnxTensors.ToScalarType(AttrInt(node, "to", 1), Model, $"node '{node.Name}' (Cast)"));
            default:
                throw new OnnxImportException(Model, $"node '{node.Name}': op '{node.OpType}' is not supported");
        }
    }

    private Tensor ConstantValue(NodeProto node)
    {
        foreach (var attr in node.Attribute)
        {
            switch (attr.Name)
            {
                case "value": return OnnxTensors.ToTensor(attr.T, Model, null);
                case "value_float": return tensor(attr.F);
                case "value_floats": return tensor(attr.Floats.ToArray());
                case "value_int": return tensor(attr.I);
                case "value_ints": return tensor(attr.Ints.ToArray());
            }
        }
        throw new OnnxImportException(Model, $"node '{node.Name}' (Constant): no supported value attribute (value, value_float(s), value_int(s))");
    }

    private Tensor Gemm(NodeProto node, Tensor x, Tensor w, Tensor? c)
    {
        float alpha = Attr(node, "alpha", 1f), beta = Attr(node, "beta", 1f);
        using var scope = NewDisposeScope();
        var lhs = AttrInt(node, "transA", 0) != 0 ? x.t() : x;
        var rhs = AttrInt(node, "transB", 0) != 0 ? w.t() : w;
        var y = matmul(lhs, rhs);
        if (alpha != 1f) y = y * alpha;
        if (c is not null) y = beta != 1f ? y + c * beta : y + c;
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>ONNX pads are [begin per spatial axis..., end per spatial axis...]; F.pad wants pairs from the last axis.</summary>
    private long[] Pads(NodeProto node, Tensor x, long[] kernel, long[] strides, long[] dilations)
    {
        int spatial = kernel.Length;
        var autoPad = AttrString(node, "auto_pad", "NOTSET");
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            var pads = new long[spatial * 2];
            for (int i = 0; i < spatial; i++)
            {
                long size = x.shape[2 + i];
                long output = (size + strides[i] - 1) / strides[i];
                long total = Math.Max(0, (output - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size);
                pads[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                pads[i + spatial] = total - pads[i];
            }
            return pads;
        }
        if (autoPad == "VALID") return new long[spatial * 2];
        return AttrInts(node, "pads") ?? new long[spatial * 2];
    }

    private static bool Symmetric(long[] pads) => pads.Take(pads.Length / 2).SequenceEqual(pads.Skip(pads.Length / 2));

    private static long[] TorchPad(long[] pads)
    {
        int spatial = pads.Length / 2;
        var result = new long[pads.Length];
        for (int i = 0; i < spatial; i++)
        {
            result[2 * i] = pads[spatial - 1 - i];
            result[2 * i + 1] = pads[2 * spatial - 1 - i];
        }
        return result;
    }

    private Tensor Conv(NodeProto node, Tensor x, Tensor w, Tensor? b)
    {
        if (x.dim() != 4) throw new OnnxImportException(Model, $"node '{node.Name}' (Conv): only 2-D convolutions (4-D inputs) are supported, got {x.dim()}-D");
        var kernel = AttrInts(node, "kernel_shape") ?? w.shape[2..];
        var strides = AttrInts(node, "strides") ?? [1, 1];
        var dilations = AttrInts(node, "dilations") ?? [1, 1];
        long group = AttrInt(node, "group", 1);
        var pads = Pads(node, x, kernel, strides, dilations);
        if (Symmetric(pads))
            return F.conv2d(x, w, b, strides, pads[..2], dilations, group);
        using var padded = F.pad(x, TorchPad(pads));
        return F.conv2d(padded, w, b, strides, [0, 0], dilations, group);
    }

    private Tensor Pool(NodeProto node, Tensor x, bool max)
    {
        if (x.dim() != 4) throw new OnnxImportException(Model, $"node '{node.Name}' ({node.OpType}): only 2-D pooling (4-D inputs) is supported, got {x.dim()}-D");
        var kernel = AttrInts(node, "kernel_shape") ?? throw new OnnxImportException(Model, $"node '{node.Name}' ({node.OpType}): kernel_shape is required");
        var strides = AttrInts(node, "strides") ?? [1, 1];
        var dilations = AttrInts(node, "dilations") ?? [1, 1];
        bool ceil = AttrInt(node, "ceil_mode", 0) != 0;
        var pads = Pads(node, x, kernel, strides, dilations);
        if (max)
        {
            if (Symmetric(pads)) return F.max_pool2d(x, kernel, strides, pads[..2], dilations, ceil);
            // Padding with -inf never wins a max, which is what ONNX's implicit padding means.
            using var padded = F.pad(x, TorchPad(pads), value: double.NegativeInfinity);
            return F.max_pool2d(padded, kernel, strides, [0, 0], dilations, ceil);
        }
        bool includePad = AttrInt(node, "count_include_pad", 0) != 0;
        if (Symmetric(pads)) return F.avg_pool2d(x, kernel, strides, pads[..2], ceil, includePad);
        using var scope = NewDisposeScope();
        var zeroPadded = F.pad(x, TorchPad(pads));
        var sums = F.avg_pool2d(zeroPadded, kernel, strides, [0, 0], ceil, true) * kernel.Aggregate(1L, (p, k) => p * k);
        if (includePad) return (sums / kernel.Aggregate(1L, (p, k) => p * k)).MoveToOuterDisposeScope();
        // Without count_include_pad each window divides by its real elements: pool a mask of ones.
        var mask = F.pad(ones(1, 1, x.shape[2], x.shape[3], dtype: x.dtype, device: x.device), TorchPad(pads));
        var counts = F.avg_pool2d(mask, kernel, strides, [0, 0], ceil, true) * kernel.Aggregate(1L, (p, k) => p * k);
        return (sums / counts).MoveToOuterDisposeScope();
    }

    private Tensor Softmax(NodeProto node, Tensor x)
    {
        long rank = x.dim();
        if (Opset >= 13) return x.softmax(Axis(AttrInt(node, "axis", -1), rank));
        // Before opset 13 softmax works on the input flattened to 2-D at axis.
        long axis = Axis(AttrInt(node, "axis", 1), rank);
        if (axis == rank - 1) return x.softmax(axis);
        using var flat = x.reshape(x.shape.Take((int)axis).Aggregate(1L, (p, d) => p * d), -1);
        using var soft = flat.softmax(1);
        return soft.reshape(x.shape);
    }

    private Tensor Reduce(NodeProto node, Tensor?[] a)
    {
        var x = a[0]!;
        bool keep = AttrInt(node, "keepdims", 1) != 0;
        long[]? axes = AttrInts(node, "axes");
        bool fromInput = (node.OpType == "ReduceSum" && Opset >= 13) || Opset >= 18;
        if (fromInput) axes = a.Length > 1 && a[1] is not null ? Longs(a[1]!) : null;
        if (axes is null || axes.Length == 0)
        {
            if (AttrInt(node, "noop_with_empty_axes", 0) != 0) return x.alias();
            axes = Enumerable.Range(0, (int)x.dim()).Select(d => (long)d).ToArray();
        }
        axes = axes.Select(ax => Axis(ax, x.dim())).ToArray();
        return node.OpType == "ReduceMean" ? x.mean(axes, keep) : x.sum(axes, keep);
    }

    private Tensor Reshape(NodeProto node, Tensor x, long[] shape)
    {
        bool allowZero = AttrInt(node, "allowzero", 0) != 0;
        var target = shape.Select((d, i) => d == 0 && !allowZero ? x.shape[i] : d).ToArray();
        return x.reshape(target);
    }

    private Tensor Gather(NodeProto node, Tensor x, Tensor indices)
    {
        long axis = Axis(AttrInt(node, "axis", 0), x.dim());
        using var scope = NewDisposeScope();
        var flat = indices.flatten().to(ScalarType.Int64);
        // Negative indices count from the end of the axis.
        flat = where(flat.lt(0), flat + x.shape[axis], flat);
        var picked = x.index_select(axis, flat);
        var shape = x.shape[..(int)axis].Concat(indices.shape).Concat(x.shape[((int)axis + 1)..]).ToArray();
        return picked.reshape(shape).MoveToOuterDisposeScope();
    }

    private Tensor Slice(NodeProto node, Tensor?[] a)
    {
        var x = a[0]!;
        long[] starts, ends, axes, steps;
        if (Opset >= 10)
        {
            starts = Longs(a[1]!);
            ends = Longs(a[2]!);
            axes = a.Length > 3 && a[3] is not null ? Longs(a[3]!) : Enumerable.Range(0, starts.Length).Select(d => (long)d).ToArray();
            steps = a.Length > 4 && a[4] is not null ? Longs(a[4]!) : Enumerable.Repeat(1L, starts.Length).ToArray();
        }
        else
        {
            starts = AttrInts(node, "starts")!;
            ends = AttrInts(node, "ends")!;
            axes = AttrInts(node, "axes") ?? Enumerable.Range(0, starts.Length).Select(d => (long)d).ToArray();
            steps = Enumerable.Repeat(1L, starts.Length).ToArray();
        }
        var result = x.alias();
        for (int i = 0; i < starts.Length; i++)
        {
            long axis = Axis(axes[i], x.dim());
            long size = x.shape[axis];
            if (steps[i] <= 0) throw new OnnxImportException(Model, $"node '{node.Name}' (Slice): step {steps[i]} is not supported (positive steps are)");
            long start = Math.Clamp(starts[i] < 0 ? starts[i] + size : starts[i], 0, size);
            long end = Math.Clamp(ends[i] < 0 ? ends[i] + size : ends[i], 0, size);
            var next = result.slice(axis, start, Math.Max(start, end), steps[i]);
            result.Dispose();
            result = next;
        }
        return result;
    }

    // ---- attributes and small helpers ----

    private static long Axis(long axis, long rank, bool clamp = false) => axis < 0 ? axis + rank : clamp ? Math.Min(axis, rank) : axis;

    private static long[] Longs(Tensor t)
    {
        using var cpu = t.cpu().to(ScalarType.Int64);
        return cpu.data<long>().ToArray();
    }

    private static AttributeProto? Find(NodeProto node, string name) => node.Attribute.FirstOrDefault(x => x.Name == name);

    private static float Attr(NodeProto node, string name, float fallback) => Find(node, name) is { } a ? a.F : fallback;

    private static long AttrInt(NodeProto node, string name, long fallback) => Find(node, name) is { } a ? a.I : fallback;

    private static long[]? AttrInts(NodeProto node, string name) => Find(node, name) is { } a && a.Ints.Count > 0 ? a.Ints.ToArray() : null;

    private static string AttrString(NodeProto node, string name, string fallback) => Find(node, name) is { } a ? a.S.ToStringUtf8() : fallback;
}
