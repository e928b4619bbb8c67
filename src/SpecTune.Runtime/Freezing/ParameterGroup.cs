using TorchSharp.Modules;

namespace SpecTune.Freezing;

/// <summary>A named set of parameters that is frozen or trained as one.</summary>
public sealed class ParameterGroup
{
    internal ParameterGroup(string name, IReadOnlyList<KeyValuePair<string, Parameter>> parameters)
    {
        Name = name;
        Parameters = parameters;
    }

    /// <summary>The group's name: a spec group, `head` or the implicit `base`.</summary>
    public string Name { get; }

    /// <summary>The parameters, by their full names, in module order.</summary>
    public IReadOnlyList<KeyValuePair<string, Parameter>> Parameters { get; }

    /// <summary>Total number of scalar weights.</summary>
    public long ElementCount => Parameters.Sum(p => p.Value.numel());

    /// <summary>True when every parameter has requires_grad set.</summary>
    public bool IsTrainable => Parameters.Count > 0 && Parameters.All(p => p.Value.requires_grad);

    /// <summary>Stops gradients for every parameter of the group.</summary>
    public void Freeze() => SetRequiresGrad(false);

    /// <summary>Lets every parameter of the group receive gradients.</summary>
    public void Unfreeze() => SetRequiresGrad(true);

    private void SetRequiresGrad(bool value)
    {
        foreach (var (_, parameter) in Parameters) parameter.requires_grad = value;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Parameters.Count} tensors, {ElementCount:N0} weights)";
}
