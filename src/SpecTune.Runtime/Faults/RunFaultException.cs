using SpecTune.Spec;

namespace SpecTune.Faults;

/// <summary>
/// A fault found while running a spec (SPT033x): the file it concerns, the spec key that names that file when
/// there is one, and a message from the catalogue. The CLI reports it at that key, like the checker's diagnostics.
/// </summary>
internal sealed class RunFaultException : Exception
{
    public RunFaultException(SpecDiagnosticDescriptor descriptor, string filePath, string? specKey, Exception? innerException, params object?[] args)
        : base(descriptor.Create(null, SourceSpan.None, args).Message, innerException)
    {
        Id = descriptor.Id;
        FilePath = filePath;
        SpecKey = specKey;
    }

    /// <summary>The SPT id (SPT0330-SPT0339).</summary>
    public string Id { get; }

    /// <summary>The full path of the file or folder at fault.</summary>
    public string FilePath { get; }

    /// <summary>The spec key naming <see cref="FilePath"/> (e.g. "base.weights", "checkpoints"), or null when no key does.</summary>
    public string? SpecKey { get; }
}
