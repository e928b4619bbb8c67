using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpecTune.Optimization;

/// <summary>
/// Adam (<c>torch.optim.Adam</c>: weight decay is an L2 term added to the gradient) or AdamW
/// (<c>torch.optim.AdamW</c>: decoupled decay, the weight shrunk by <c>lr·wd</c> before the Adam update).
/// The arithmetic follows PyTorch's single-tensor implementation step for step, including the order of
/// the bias corrections, so results agree to rounding.
/// </summary>
/// <remarks>State per parameter: <c>{prefix}.exp_avg.{name}</c>, <c>{prefix}.exp_avg_sq.{name}</c> and
/// <c>{prefix}.step.{name}</c> (int64 scalar), where prefix is <c>adam</c> or <c>adamw</c>.</remarks>
internal sealed class AdamOptimizer : FineTuneOptimizer
{
    private readonly Dictionary<string, (Tensor ExpAvg, Tensor ExpAvgSq, Tensor Step)> _moments = new(StringComparer.Ordinal);

    public AdamOptimizer(IReadOnlyList<OptimizerGroup> groups, double beta1, double beta2, double epsilon, double weightDecay, bool decoupledWeightDecay)
        : base(decoupledWeightDecay ? "adamw" : "adam", groups)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "eps must be >= 0.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be >= 0.");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        DecoupledWeightDecay = decoupledWeightDecay;

        using var noGrad = torch.no_grad();
        foreach (var group in Groups)
            foreach (var (name, parameter) in group.Parameters)
                _moments.Add(name, (
                    CreateState("exp_avg", name, torch.zeros_like(parameter)),
                    CreateState("exp_avg_sq", name, torch.zeros_like(parameter)),
                    // The counter stays on the CPU whatever the parameter's device: it is read every step.
                    CreateState("step", name, torch.tensor(0L))));
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }
    public double WeightDecay { get; }

    /// <summary>True for AdamW.</summary>
    public bool DecoupledWeightDecay { get; }

    protected override void Update(string name, Parameter parameter, Tensor grad, double lr)
    {
        var (expAvg, expAvgSq, stepCounter) = _moments[name];
        // Scalars are not tracked by dispose scopes, so each one is disposed here rather than left to the finalizer.
        using (var one = 1L.ToScalar()) stepCounter.add_(one);
        long step = ReadCount(stepCounter);

        if (WeightDecay != 0)
        {
            if (DecoupledWeightDecay)
            {
                using var shrink = (1 - lr * WeightDecay).ToScalar();
                parameter.mul_(shrink);
            }
            else
            {
                using var decay = WeightDecay.ToScalar();
                grad = grad.add(parameter, decay);
            }
        }

        // PyTorch 2 updates the first moment with lerp_, which rounds differently from mul_+add_.
        // TorchSharp only takes a tensor weight; ATen's lerp kernel computes the same either way.
        var oneMinusBeta1 = torch.tensor(1 - Beta1, dtype: expAvg.dtype, device: expAvg.device);
        expAvg.lerp_(grad, oneMinusBeta1);
        using var beta2 = Beta2.ToScalar();
        using var oneMinusBeta2 = (1 - Beta2).ToScalar();
        expAvgSq.mul_(beta2).addcmul_(grad, grad, oneMinusBeta2);

        var biasCorrection1 = 1 - Math.Pow(Beta1, step);
        var biasCorrection2 = 1 - Math.Pow(Beta2, step);
        var stepSize = lr / biasCorrection1;
        using var sqrtBiasCorrection2 = Math.Sqrt(biasCorrection2).ToScalar();
        using var eps = Epsilon.ToScalar();
        var denominator = expAvgSq.sqrt().div_(sqrtBiasCorrection2).add_(eps);
        using var negativeStepSize = (-stepSize).ToScalar();
        parameter.addcdiv_(expAvg, denominator, negativeStepSize);
    }
}
