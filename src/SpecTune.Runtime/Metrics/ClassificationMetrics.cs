using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Metrics;

/// <summary>
/// A confusion matrix accumulated over batches, and the classification metrics derived from it.
/// </summary>
/// <remarks>
/// Conventions follow scikit-learn's <c>precision_recall_fscore_support</c> with <c>zero_division=0</c>:
/// a class never predicted has precision 0, a class with no true samples has recall 0, and F1 is
/// <c>2·TP / (2·TP + FP + FN)</c> (0 when that is 0/0). Macro averages are unweighted means over the classes
/// that occur among the true or the predicted labels seen so far, as scikit-learn averages when no label
/// list is given: a class absent from both neither helps nor hurts. Reading a metric before any sample was
/// added is an error rather than a made-up number.
/// </remarks>
internal sealed class ClassificationMetrics
{
    private readonly long[,] _matrix;

    public ClassificationMetrics(int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        ClassCount = classCount;
        _matrix = new long[classCount, classCount];
    }

    public int ClassCount { get; }

    /// <summary>Samples added since construction or the last <see cref="Reset"/>.</summary>
    public long Count { get; private set; }

    /// <summary>
    /// Adds a batch of predicted and true class indexes ([N] or any shape with N elements each). Any integer
    /// or integral-valued float tensor on any device is accepted; it is read as int64 on the CPU.
    /// </summary>
    public void Add(Tensor predictedClass, Tensor trueClass)
    {
        ArgumentNullException.ThrowIfNull(predictedClass);
        ArgumentNullException.ThrowIfNull(trueClass);
        Add(ToLongs(predictedClass), ToLongs(trueClass));
    }

    /// <summary>Adds a batch of predicted and true class indexes. All are checked before any is counted.</summary>
    public void Add(ReadOnlySpan<long> predictedClass, ReadOnlySpan<long> trueClass)
    {
        if (predictedClass.Length != trueClass.Length)
            throw new ArgumentException($"{predictedClass.Length} predictions but {trueClass.Length} true classes.", nameof(predictedClass));
        CheckRange(predictedClass, nameof(predictedClass));
        CheckRange(trueClass, nameof(trueClass));
        for (int i = 0; i < trueClass.Length; i++)
            _matrix[trueClass[i], predictedClass[i]]++;
        Count += trueClass.Length;
    }

    public void Reset()
    {
        Array.Clear(_matrix);
        Count = 0;
    }

    /// <summary>A copy of the matrix: entry [t, p] counts samples of true class t predicted as p (scikit-learn's layout).</summary>
    public long[,] ConfusionMatrix => (long[,])_matrix.Clone();

    /// <summary>Fraction of samples predicted correctly.</summary>
    public double Accuracy
    {
        get
        {
            RequireSamples();
            long correct = 0;
            for (int c = 0; c < ClassCount; c++) correct += _matrix[c, c];
            return (double)correct / Count;
        }
    }

    /// <summary>TP / (TP + FP) of class <paramref name="c"/>; 0 when the class was never predicted.</summary>
    public double Precision(int c) { RequireSamples(); return Ratio(_matrix[CheckClass(c), c], Predicted(c)); }

    /// <summary>TP / (TP + FN) of class <paramref name="c"/>; 0 when the class has no true samples.</summary>
    public double Recall(int c) { RequireSamples(); return Ratio(_matrix[CheckClass(c), c], Support(c)); }

    /// <summary>Harmonic mean of precision and recall of class <paramref name="c"/>, as 2·TP / (2·TP + FP + FN); 0 when undefined.</summary>
    public double F1(int c)
    {
        RequireSamples();
        long tp = _matrix[CheckClass(c), c];
        return Ratio(2 * tp, Predicted(c) + Support(c));
    }

    public double MacroPrecision => MacroAverage(Precision);
    public double MacroRecall => MacroAverage(Recall);
    public double MacroF1 => MacroAverage(F1);

    /// <summary>Per-class accuracy, i.e. the recall of each class (0 for a class with no true samples).</summary>
    public IReadOnlyList<double> PerClassAccuracy
    {
        get
        {
            RequireSamples();
            return Enumerable.Range(0, ClassCount).Select(Recall).ToArray();
        }
    }

    /// <summary>True samples of class <paramref name="c"/> (row sum).</summary>
    public long Support(int c)
    {
        CheckClass(c);
        long sum = 0;
        for (int p = 0; p < ClassCount; p++) sum += _matrix[c, p];
        return sum;
    }

    /// <summary>Samples predicted as class <paramref name="c"/> (column sum).</summary>
    public long Predicted(int c)
    {
        CheckClass(c);
        long sum = 0;
        for (int t = 0; t < ClassCount; t++) sum += _matrix[t, c];
        return sum;
    }

    private double MacroAverage(Func<int, double> metric)
    {
        RequireSamples();
        var present = Enumerable.Range(0, ClassCount).Where(c => Support(c) > 0 || Predicted(c) > 0);
        return present.Select(metric).Average();
    }

    private static double Ratio(long numerator, long denominator) => denominator == 0 ? 0.0 : (double)numerator / denominator;

    private void RequireSamples()
    {
        if (Count == 0) throw new InvalidOperationException("No samples have been added, so no metric is defined.");
    }

    private int CheckClass(int c)
    {
        if ((uint)c >= (uint)ClassCount) throw new ArgumentOutOfRangeException(nameof(c), c, $"Classes are 0..{ClassCount - 1}.");
        return c;
    }

    private void CheckRange(ReadOnlySpan<long> classes, string name)
    {
        foreach (var c in classes)
            if ((ulong)c >= (ulong)ClassCount)
                throw new ArgumentOutOfRangeException(name, c, $"Class {c} is outside 0..{ClassCount - 1}.");
    }

    private static long[] ToLongs(Tensor tensor)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        // Targets from data sources arrive as floats; the class index is their integral value.
        return tensor.detach().reshape(-1).to_type(ScalarType.Int64).cpu().data<long>().ToArray();
    }
}
