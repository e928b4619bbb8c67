using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpecTune.Optimization;

/// <summary>
/// Stochastic gradient descent as <c>torch.optim.SGD</c> with dampening 0: optional L2 weight decay added
/// to the gradient, momentum, and Nesterov momentum.
/// </summary>
/// <remarks>State per parameter (only with momentum): <c>sgd.momentum_buffer.{name}</c>. PyTorch starts the
/// buffer as a copy of the first gradient; starting it at zero gives exactly the same value after the first
/// update (0·momentum + grad = grad), with a state that exists from the start.</remarks>
internal sealed class SgdOptimizer : FineTuneOptimizer
{
    private readonly Dictionary<string, Tensor> _buffers = new(StringComparer.Ordinal);

    public SgdOptimizer(IReadOnlyList<OptimizerGroup> groups, double momentum, double weightDecay, bool nesterov)
        : base("sgd", groups)
    {
        if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be >= 0.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be >= 0.");
        if (nesterov && momentum == 0) throw new ArgumentException("Nesterov momentum requires a momentum > 0.", nameof(nesterov));
        Momentum = momentum;
        WeightDecay = weightDecay;
        Nesterov = nesterov;

        if (momentum == 0) return;
        using var noGrad = torch.no_grad();
        foreach (var group in Groups)
            foreach (var (name, parameter) in group.Parameters)
                _buffers.Add(name, CreateState("momentum_buffer", name, torch.zeros_like(parameter)));
    }

    public double Momentum { get; }
    public double WeightDecay { get; }
    public bool Nesterov { get; }

    protected override void Update(string name, Parameter parameter, Tensor grad, double lr)
    {
        if (WeightDecay != 0)
        {
            using var decay = WeightDecay.ToScalar();
            grad = grad.add(parameter, decay);
        }

        if (Momentum != 0)
        {
            var buffer = _buffers[name];
            using var momentum = Momentum.ToScalar();
            buffer.mul_(momentum).add_(grad);
            grad = Nesterov ? grad.add(buffer, momentum) : buffer;
        }

        using var negativeLr = (-lr).ToScalar();
        parameter.add_(grad, negativeLr);
    }
}
