using System.Collections.Generic;
using System.Globalization;

namespace SpecTune.Spec
{
    /// <summary>Which stage found a problem: reading the YAML, or checking the spec's meaning.</summary>
    public enum SpecDiagnosticCategory { Syntax, Structure, Semantics }

    /// <summary>
    /// A diagnostic kind: a stable id, a title and a composite format (`{0}`, `{1}`, ...), like Roslyn's
    /// DiagnosticDescriptor but plain data so that the spec library needs no Roslyn reference.
    /// </summary>
    public sealed record SpecDiagnosticDescriptor(
        string Id, string Title, string MessageFormat, SpecSeverity Severity, SpecDiagnosticCategory Category)
    {
        /// <summary>Where docs/diagnostics.md explains this id; the generator passes it as the help link.</summary>
        public string HelpAnchor => "docs/diagnostics.md#" + Id.ToLowerInvariant();

        /// <summary>A diagnostic of this kind at <paramref name="span"/>; arguments are formatted with the invariant culture.</summary>
        public SpecDiagnostic Create(string? filePath, SourceSpan span, params object?[] args) =>
            new SpecDiagnostic(Id, Severity, string.Format(CultureInfo.InvariantCulture, MessageFormat, args), filePath, span);
    }

    /// <summary>
    /// Every diagnostic SpecTune's spec library reports. Ids are stable: never renumber or reuse one;
    /// add new ones at the end of their range (SPT00xx reading, SPT01xx checking, SPT02xx against the network and data) and to docs/diagnostics.md.
    /// </summary>
    public static class SpecDiagnostics
    {
        private const SpecSeverity Error = SpecSeverity.Error;
        private const SpecSeverity Warning = SpecSeverity.Warning;

        /// <summary>A defect inside SpecTune itself (the generator caught an exception); the message carries it.</summary>
        public static SpecDiagnosticDescriptor InternalError { get; } = new SpecDiagnosticDescriptor(
            "SPT0000", "Internal SpecTune error", "SpecTune could not process this spec because of an internal error: {0}", Error, SpecDiagnosticCategory.Syntax);

        // Reading (SPT0001-SPT0099): the text is not a well-formed spec.

        public static SpecDiagnosticDescriptor YamlSyntax { get; } = new SpecDiagnosticDescriptor(
            "SPT0001", "YAML syntax error", "YAML syntax error: {0}", Error, SpecDiagnosticCategory.Syntax);

        public static SpecDiagnosticDescriptor EmptyDocument { get; } = new SpecDiagnosticDescriptor(
            "SPT0002", "Empty spec", "The file holds no spec; it must be a mapping that starts with 'spectune: 1'", Error, SpecDiagnosticCategory.Structure);

        public static SpecDiagnosticDescriptor MultipleDocuments { get; } = new SpecDiagnosticDescriptor(
            "SPT0003", "More than one YAML document", "The file holds {0} YAML documents; a spec file holds exactly one", Error, SpecDiagnosticCategory.Structure);

        public static SpecDiagnosticDescriptor UnknownKey { get; } = new SpecDiagnosticDescriptor(
            "SPT0004", "Unknown key", "Unknown key '{0}' in {1}{2}", Error, SpecDiagnosticCategory.Structure);

        public static SpecDiagnosticDescriptor DuplicateKey { get; } = new SpecDiagnosticDescriptor(
            "SPT0005", "Duplicate key", "Duplicate key '{0}'; each key may appear once in a mapping", Error, SpecDiagnosticCategory.Structure);

        public static SpecDiagnosticDescriptor WrongType { get; } = new SpecDiagnosticDescriptor(
            "SPT0006", "Value of the wrong type", "'{0}' must be {1}, but is {2}", Error, SpecDiagnosticCategory.Structure);

        public static SpecDiagnosticDescriptor MissingRequired { get; } = new SpecDiagnosticDescriptor(
            "SPT0007", "Required key missing", "'{0}' is required in {1}", Error, SpecDiagnosticCategory.Structure);

        public static SpecDiagnosticDescriptor InvalidValue { get; } = new SpecDiagnosticDescriptor(
            "SPT0008", "Value not allowed", "'{0}' is not a valid value for '{1}'; expected one of: {2}{3}", Error, SpecDiagnosticCategory.Structure);

        public static SpecDiagnosticDescriptor UnsupportedVersion { get; } = new SpecDiagnosticDescriptor(
            "SPT0009", "Unsupported spec version", "'spectune: {0}' is not supported; this SpecTune reads 'spectune: 1'", Error, SpecDiagnosticCategory.Structure);

        // Checking (SPT0100-SPT0199): a well-formed spec whose values do not fit together.

        public static SpecDiagnosticDescriptor InvalidIdentifier { get; } = new SpecDiagnosticDescriptor(
            "SPT0100", "Invalid C# name", "'{0}' is not a valid {1}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor DuplicateGroup { get; } = new SpecDiagnosticDescriptor(
            "SPT0101", "Duplicate group", "Group '{0}' is declared more than once", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor ReservedGroup { get; } = new SpecDiagnosticDescriptor(
            "SPT0102", "Reserved group name", "'{0}' is a reserved group name ('head' is the new head, 'base' the base parameters no group claims) and cannot be declared", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor EmptyGroup { get; } = new SpecDiagnosticDescriptor(
            "SPT0103", "Group without patterns", "Group '{0}' has no patterns, so it would hold no parameters", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor DuplicatePhase { get; } = new SpecDiagnosticDescriptor(
            "SPT0104", "Duplicate phase", "Phase name '{0}' is used more than once", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor UnknownGroup { get; } = new SpecDiagnosticDescriptor(
            "SPT0105", "Unknown group", "Phase '{0}' trains group '{1}', which does not exist; known groups: {2}{3}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor RateForUntrainedGroup { get; } = new SpecDiagnosticDescriptor(
            "SPT0106", "Learning rate for a group the phase does not train", "Phase '{0}' sets a learning rate for group '{1}', which it does not train; add it to 'train' or remove the rate", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor NotPositive { get; } = new SpecDiagnosticDescriptor(
            "SPT0107", "Value must be positive", "'{0}' must be greater than 0, but is {1}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor OutOfRange { get; } = new SpecDiagnosticDescriptor(
            "SPT0108", "Value out of range", "'{0}' must be {1}, but is {2}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor WarmupConflict { get; } = new SpecDiagnosticDescriptor(
            "SPT0109", "Two warmup lengths", "Phase '{0}' sets both warmup-steps and warmup-ratio; keep one", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor LossDoesNotFitTask { get; } = new SpecDiagnosticDescriptor(
            "SPT0110", "Loss does not fit the task", "Loss '{0}' does not fit task '{1}'; use '{2}'", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor BinaryHeadWidth { get; } = new SpecDiagnosticDescriptor(
            "SPT0111", "Binary head must have one output", "A binary-classification head must end in a linear layer with 1 unit, but its last linear layer has {0}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor HeadWithoutLinear { get; } = new SpecDiagnosticDescriptor(
            "SPT0112", "Head without a linear layer", "The head has no linear layer, so it cannot produce the task's outputs; add e.g. '{{linear: 10}}'", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor SoftmaxForBinary { get; } = new SpecDiagnosticDescriptor(
            "SPT0113", "Softmax head for a binary task", "A softmax over one output is always 1; a binary-classification head ends in sigmoid or in the linear layer", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor MetricDoesNotFitTask { get; } = new SpecDiagnosticDescriptor(
            "SPT0114", "Metric does not fit the task", "Metric '{0}' is a classification metric and does not apply to regression", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor NormalizeLengths { get; } = new SpecDiagnosticDescriptor(
            "SPT0115", "Normalize mean and std differ in length", "normalize.mean has {0} values but normalize.std has {1}; give one of each per channel", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor InvalidMonitor { get; } = new SpecDiagnosticDescriptor(
            "SPT0116", "Invalid early-stopping monitor", "Monitor '{0}' is not of the form (train|val)-(loss|accuracy|precision|recall|f1){1}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor NoPhases { get; } = new SpecDiagnosticDescriptor(
            "SPT0117", "No phases", "The spec has no phases, so nothing would be trained; add at least one under 'phases:'", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor UnknownArchitecture { get; } = new SpecDiagnosticDescriptor(
            "SPT0118", "Unknown architecture", "'{0}' is not a known architecture; expected one of: {1}{2}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor InvalidDevice { get; } = new SpecDiagnosticDescriptor(
            "SPT0119", "Invalid device", "'{0}' is not a device; use cpu, cuda or cuda:N", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor InvalidName { get; } = new SpecDiagnosticDescriptor(
            "SPT0120", "Invalid group or phase name", "'{0}' is not a valid {1} name; start with a letter and use only letters, digits, '-' and '_'", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor GroupTrainedTwice { get; } = new SpecDiagnosticDescriptor(
            "SPT0121", "Group listed twice in a phase", "Phase '{0}' lists group '{1}' more than once", Warning, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor WrongLength { get; } = new SpecDiagnosticDescriptor(
            "SPT0122", "List of the wrong length", "'{0}' must have {1} values, but has {2}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor PhaseTrainsNothing { get; } = new SpecDiagnosticDescriptor(
            "SPT0123", "Phase trains nothing", "Phase '{0}' trains no group; list at least one under 'train:'", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor SplitIgnored { get; } = new SpecDiagnosticDescriptor(
            "SPT0124", "Split ignored", "'data.split' is ignored because 'data.valid' is given", Warning, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor MemberNameCollision { get; } = new SpecDiagnosticDescriptor(
            "SPT0125", "Name collides in the generated class", "{0} '{1}' becomes the C# member '{2}', which {3}; rename it", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor InvalidModelClass { get; } = new SpecDiagnosticDescriptor(
            "SPT0126", "Invalid [FineTune] class", "The [FineTune] class '{0}' {1}", Error, SpecDiagnosticCategory.Semantics);

        // SPT014x: the base network's source (zoo architecture or ONNX import).
        public static SpecDiagnosticDescriptor BaseSourceNotOne { get; } = new SpecDiagnosticDescriptor(
            "SPT0140", "Base needs architecture or onnx", "'base' needs exactly one of 'architecture' (a zoo entry) and 'onnx' (a model file), but {0}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor CutAtWithoutOnnx { get; } = new SpecDiagnosticDescriptor(
            "SPT0141", "cut-at without onnx", "'base.cut-at' names a node of an ONNX graph and applies only with 'base.onnx'", Error, SpecDiagnosticCategory.Semantics);

        // SPT02xx: checks against the built network and the data (the runtime reports these; the
        // generator does too where it knows the architecture's parameter names).

        public static SpecDiagnosticDescriptor PatternMatchesNothing { get; } = new SpecDiagnosticDescriptor(
            "SPT0200", "Group pattern matches no parameter", "Pattern '{0}' of group '{1}' matches no parameter of {2}; names look like {3}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor ParameterClaimedTwice { get; } = new SpecDiagnosticDescriptor(
            "SPT0201", "Parameter claimed by two groups", "Parameter '{0}' is claimed by groups '{1}' and '{2}'; each parameter belongs to one group", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor PatternMatchesHead { get; } = new SpecDiagnosticDescriptor(
            "SPT0202", "Group pattern matches the head", "Pattern '{0}' of group '{1}' matches head parameter '{2}'; the new head is always the group 'head'", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor InputShapeMismatch { get; } = new SpecDiagnosticDescriptor(
            "SPT0203", "Input shape differs from the data", "base.input is [{0}] but the data (after transforms) gives samples shaped [{1}]", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor HeadDoesNotFitClasses { get; } = new SpecDiagnosticDescriptor(
            "SPT0204", "Head does not fit the classes", "{0}", Error, SpecDiagnosticCategory.Semantics);

        // Hostile input (SPT0020-SPT0039 reading, SPT0150-SPT0169 checking): the reader's safety pre-pass, limits and names that must compile.

        public static SpecDiagnosticDescriptor SpecTooLarge { get; } = new SpecDiagnosticDescriptor(
            "SPT0020", "Spec file too large", "The spec file is {0:N0} characters long; a spec file may hold at most {1:N0}", Error, SpecDiagnosticCategory.Syntax);

        public static SpecDiagnosticDescriptor RecursiveAlias { get; } = new SpecDiagnosticDescriptor(
            "SPT0021", "Recursive alias", "Alias '*{0}' refers to a node that contains it; a spec cannot be recursive", Error, SpecDiagnosticCategory.Syntax);

        public static SpecDiagnosticDescriptor UndefinedAlias { get; } = new SpecDiagnosticDescriptor(
            "SPT0022", "Undefined alias", "Alias '*{0}' refers to no anchor '&{0}' written before it", Error, SpecDiagnosticCategory.Syntax);

        public static SpecDiagnosticDescriptor ComplexKey { get; } = new SpecDiagnosticDescriptor(
            "SPT0023", "Key that is not a name", "A key must be a name, but this key is {0}", Error, SpecDiagnosticCategory.Syntax);

        public static SpecDiagnosticDescriptor AliasExpansionTooLarge { get; } = new SpecDiagnosticDescriptor(
            "SPT0024", "Aliases expand too far", "Aliases in this file expand to more than {0:N0} values; a spec never needs that many (an alias bomb?)", Error, SpecDiagnosticCategory.Syntax);

        public static SpecDiagnosticDescriptor NestingTooDeep { get; } = new SpecDiagnosticDescriptor(
            "SPT0025", "Nesting too deep", "Lists and mappings nest deeper than {0} levels here (aliases expanded); a spec needs at most six", Error, SpecDiagnosticCategory.Syntax);

        public static SpecDiagnosticDescriptor UnsupportedTag { get; } = new SpecDiagnosticDescriptor(
            "SPT0026", "Unsupported tag", "Tag '{0}' is not supported: {1}", Error, SpecDiagnosticCategory.Syntax);

        public static SpecDiagnosticDescriptor MoreDiagnostics { get; } = new SpecDiagnosticDescriptor(
            "SPT0027", "More diagnostics not shown", "{0:N0} more diagnostics for this spec are not shown; fix the ones above first", Error, SpecDiagnosticCategory.Syntax);

        public static SpecDiagnosticDescriptor SampleTooLarge { get; } = new SpecDiagnosticDescriptor(
            "SPT0150", "Sample too large", "'base.input' describes samples of {0:N0} values; SpecTune accepts at most {1:N0} per sample", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor TooManyParameters { get; } = new SpecDiagnosticDescriptor(
            "SPT0151", "Network too large", "The network would have about {0:N0} parameters, more than the {1:N0} SpecTune builds; make the layers narrower", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor ClassNameTaken { get; } = new SpecDiagnosticDescriptor(
            "SPT0152", "Generated class name taken", "The generated class '{0}' {1}; rename it or choose another namespace", Error, SpecDiagnosticCategory.Semantics);

        // Running a spec (SPT0300-SPT0319 runtime, SPT0397-SPT0399 build and CLI): the message is the runtime's own, at the field that caused it.

        public static SpecDiagnosticDescriptor DataProblem { get; } = new SpecDiagnosticDescriptor(
            "SPT0300", "Data file problem", "{0}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor WeightsProblem { get; } = new SpecDiagnosticDescriptor(
            "SPT0301", "Weights file problem", "{0}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor TrainingDiverged { get; } = new SpecDiagnosticDescriptor(
            "SPT0302", "Training diverged", "{0}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor CheckpointProblem { get; } = new SpecDiagnosticDescriptor(
            "SPT0303", "Checkpoint cannot be resumed", "{0} (delete the checkpoint folder, or run without --resume)", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor NetworkCannotBeBuilt { get; } = new SpecDiagnosticDescriptor(
            "SPT0304", "Network cannot be built", "{0}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor SpecNotFound { get; } = new SpecDiagnosticDescriptor(
            "SPT0305", "Spec file not found", "{0}", Error, SpecDiagnosticCategory.Syntax);

        // SPT033x: faults found while running a spec (the runtime reports these before or during training).

        public static SpecDiagnosticDescriptor OutputNotWritable { get; } = new SpecDiagnosticDescriptor(
            "SPT0330", "Output folder not writable", "{0} cannot be written: {1}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor PathIsFolder { get; } = new SpecDiagnosticDescriptor(
            "SPT0331", "A folder where a file belongs", "{0} is a folder, but {1} is written to that path; remove the folder or choose another path", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor WriteFailed { get; } = new SpecDiagnosticDescriptor(
            "SPT0332", "Writing a file failed", "Writing {0} failed ({1}); the previous file is unchanged", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor OutputLocked { get; } = new SpecDiagnosticDescriptor(
            "SPT0333", "Another run holds the folder", "{0} is in use by another run of this spec ({1}); wait for it to finish or stop it", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor NonFiniteBaseWeights { get; } = new SpecDiagnosticDescriptor(
            "SPT0334", "Base weights are not finite", "{0}: tensor '{1}' holds {2} NaN or infinite values; the base weights must be finite numbers", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor CudaUnavailable { get; } = new SpecDiagnosticDescriptor(
            "SPT0335", "CUDA not available", "device is '{0}' but no CUDA backend is available (the referenced libtorch is CPU-only or no GPU is visible); use 'device: cpu' or reference a CUDA libtorch package", Error, SpecDiagnosticCategory.Semantics);

        // Text data (SPT0370-SPT0379): thrown by SpecTune.Text's readers at file:line.

        public static SpecDiagnosticDescriptor TagOutsideLabels { get; } = new SpecDiagnosticDescriptor(
            "SPT0370", "CoNLL tag outside the label set", "{0}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor LineWithoutTag { get; } = new SpecDiagnosticDescriptor(
            "SPT0371", "CoNLL line without a tag", "{0}", Error, SpecDiagnosticCategory.Syntax);

        public static SpecDiagnosticDescriptor NoTorchBackend { get; } = new SpecDiagnosticDescriptor(
            "SPT0397", "No libtorch backend in the build output", "{0}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor TrainingCancelled { get; } = new SpecDiagnosticDescriptor(
            "SPT0398", "Training cancelled", "{0}", Error, SpecDiagnosticCategory.Semantics);

        public static SpecDiagnosticDescriptor NoDiagnostic { get; } = new SpecDiagnosticDescriptor(
            "SPT0399", "The CLI ended without a diagnostic", "{0}", Error, SpecDiagnosticCategory.Semantics);

        /// <summary>Every descriptor, in id order (for docs and tests).</summary>
        public static IReadOnlyList<SpecDiagnosticDescriptor> All { get; } = new[]
        {
            InternalError, YamlSyntax, EmptyDocument, MultipleDocuments, UnknownKey, DuplicateKey, WrongType, MissingRequired, InvalidValue, UnsupportedVersion,
            SpecTooLarge, RecursiveAlias, UndefinedAlias, ComplexKey, AliasExpansionTooLarge, NestingTooDeep, UnsupportedTag, MoreDiagnostics,
            InvalidIdentifier, DuplicateGroup, ReservedGroup, EmptyGroup, DuplicatePhase, UnknownGroup, RateForUntrainedGroup, NotPositive,
            OutOfRange, WarmupConflict, LossDoesNotFitTask, BinaryHeadWidth, HeadWithoutLinear, SoftmaxForBinary, MetricDoesNotFitTask,
            NormalizeLengths, InvalidMonitor, NoPhases, UnknownArchitecture, InvalidDevice, InvalidName, GroupTrainedTwice, WrongLength,
            PhaseTrainsNothing, SplitIgnored, MemberNameCollision, InvalidModelClass, BaseSourceNotOne, CutAtWithoutOnnx,
            SampleTooLarge, TooManyParameters, ClassNameTaken,
            PatternMatchesNothing, ParameterClaimedTwice, PatternMatchesHead, InputShapeMismatch, HeadDoesNotFitClasses,
            DataProblem, WeightsProblem, TrainingDiverged, CheckpointProblem, NetworkCannotBeBuilt, SpecNotFound,
            OutputNotWritable, PathIsFolder, WriteFailed, OutputLocked, NonFiniteBaseWeights, CudaUnavailable,
            TagOutsideLabels, LineWithoutTag, NoTorchBackend, TrainingCancelled, NoDiagnostic,
        };

        /// <summary>" — did you mean 'x'?" for the closest candidate, or "" when none is close enough.</summary>
        public static string DidYouMeanSuffix(string actual, IEnumerable<string> candidates)
        {
            var best = Suggestions.Closest(actual, candidates);
            return best is null ? "" : " — did you mean '" + best + "'?";
        }
    }
}
