using System.CommandLine;
using SpecTune.Spec;

namespace SpecTune.Cli.Commands;

/// <summary><c>spectune init [NAME]</c>: writes a starter spec that validates as written.</summary>
internal static class InitCommand
{
    /// <summary>Where the JSON schema lives relative to the spec unless --schema says otherwise.</summary>
    public const string DefaultSchema = "schemas/spectune.schema.json";

    /// <summary>schemas/spectune.schema.json of the repository, embedded in this assembly.</summary>
    public static string SchemaText()
    {
        using var stream = typeof(InitCommand).Assembly.GetManifestResourceStream("spectune.schema.json")
            ?? throw new InvalidOperationException("spectune.schema.json is not embedded in the CLI");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static Command Create(CliConsole console)
    {
        var name = new Argument<string>("name")
        {
            Description = "The model's name: a C# identifier, used as the generated class and the file name.",
            DefaultValueFactory = _ => "MyModel",
        };
        var directory = new Option<string>("--dir") { Description = "Folder to write into.", DefaultValueFactory = _ => "." };
        var schema = new Option<string>("--schema")
        {
            Description = "The JSON schema path (relative to the spec) or URL for the editor's yaml-language-server line; "
                + "by default " + DefaultSchema + ", which init writes beside the spec.",
            DefaultValueFactory = _ => DefaultSchema,
        };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing file." };
        var command = new Command("init", "Write NAME.spectune.yaml, a starter spec to edit.") { name, directory, schema, force };
        command.SetAction(parse => Run(console, parse.GetValue(name)!, parse.GetValue(directory)!, parse.GetValue(schema)!, parse.GetValue(force)));
        return command;
    }

    private static int Run(CliConsole console, string name, string directory, string schema, bool force)
    {
        var path = Path.Combine(directory, name + ".spectune.yaml");
        var text = Template(name, schema);
        // The template must pass the same checks a user's spec does (the name too).
        var check = SpecYamlReader.Read(text, path);
        if (check.Diagnostics.Any(d => d.IsError))
        {
            foreach (var diagnostic in check.Diagnostics.Where(d => d.IsError)) console.Error.WriteLine(diagnostic);
            return ExitCodes.Error;
        }
        if (File.Exists(path) && !force)
        {
            console.Error.WriteLine($"spectune: error: {path} exists; use --force to overwrite it");
            return ExitCodes.Error;
        }
        Directory.CreateDirectory(directory);
        File.WriteAllText(path, text);
        if (schema == DefaultSchema) WriteSchema(console, Path.Combine(directory, DefaultSchema));
        console.Out.WriteLine($"wrote {path}; edit base, data and phases, then: spectune validate {path}");
        return ExitCodes.Success;
    }

    /// <summary>
    /// Writes this version's schema where the default $schema line points, unless the same text is already there.
    /// The schema is SpecTune's, not the user's: an older one is replaced so that the editor knows the current keys.
    /// </summary>
    private static void WriteSchema(CliConsole console, string path)
    {
        var text = SchemaText();
        if (File.Exists(path) && File.ReadAllText(path) == text) return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        console.Out.WriteLine($"wrote {path}");
    }

    public static string Template(string name, string schema) => $$"""
        # yaml-language-server: $schema={{schema}}
        # A SpecTune spec: docs/spec.md describes every key; `spectune validate` checks it.
        spectune: 1
        name: {{name}}
        base:
          architecture: cnn                 # mlp, cnn, resnet18, resnet34, resnet50
          # weights: models/base.safetensors   # pretrained weights; without them the base starts random
          input: [1, 28, 28]                # one sample: [channels, height, width]
        groups:
          stem: ["conv1.*", "bn1.*"]
          body: ["conv2.*", "bn2.*", "conv3.*", "bn3.*"]
        head:
          layers: [{linear: 10}]
        task: multiclass-classification
        data:
          format: idx
          train: { images: data/train-images-idx3-ubyte.gz, labels: data/train-labels-idx1-ubyte.gz }
          split: 0.1
          batch-size: 32
        loss: cross-entropy
        metrics: [accuracy]
        optimizer: { adam: { lr: 1.0e-3 } }
        phases:
          - name: head-only                 # the base frozen, the new head learns
            epochs: 5
            train: [head]
          - name: unfreeze                  # everything trains, deeper layers more gently
            epochs: 5
            train: [head, body, stem]
            lr: { head: 1.0e-4, body: 1.0e-4, stem: 1.0e-5 }
            schedule: cosine
        early-stopping: { monitor: val-loss, patience: 2 }
        seed: 42
        output: artifacts/{{name}}.safetensors
        metrics-log: artifacts/{{name}}.metrics.jsonl

        """;
}
