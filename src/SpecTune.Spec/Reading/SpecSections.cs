using System;
using System.Collections.Generic;
using YamlDotNet.RepresentationModel;

namespace SpecTune.Spec
{
    // What is trained on what: base, groups, head and data, one reader each (SpecTrainingSections.cs: how it is trained).
    public static partial class SpecYamlReader
    {
        private static BaseSpec ReadBase(ReadContext context, MappingReader root)
        {
            var m = root.Mapping("base", required: true, SpecGrammar.KeyNames("base"));
            if (m is null) return new BaseSpec("", null, EquatableArray<int>.Empty, EquatableArray<int>.Empty, SpecDefaults.Strict);
            // architecture and onnx are alternatives; the checker reports none or both (SPT0140).
            return new BaseSpec(
                Architecture: m.String("architecture") ?? "",
                Weights: m.String("weights"),
                Input: m.IntList("input", required: true),
                Hidden: m.IntList("hidden"),
                Strict: m.Bool("strict") ?? SpecDefaults.Strict,
                Onnx: m.String("onnx"),
                CutAt: m.String("cut-at"),
                Rename: ReadRenames(context, m.Optional("rename")));
        }

        private static EquatableArray<RenameSpec> ReadRenames(ReadContext context, YamlNode? node)
        {
            if (node is null) return EquatableArray<RenameSpec>.Empty;
            if (node is not YamlMappingNode mapping)
            {
                Values.WrongType(context, node, "base.rename", "a mapping of old name prefixes to new ones");
                return EquatableArray<RenameSpec>.Empty;
            }
            var renames = new List<RenameSpec>();
            foreach (var (key, name, value) in NamedEntries(context, mapping, "base.rename"))
            {
                var path = "base.rename." + name;
                context.Record(path + ".$key", key);
                context.Record(path, value);
                // A quoted empty replacement is allowed: `{ "module.": "" }` strips a prefix.
                if (value is YamlScalarNode scalar && !ReadContext.IsNull(scalar))
                    renames.Add(new RenameSpec(name, scalar.Value ?? ""));
                else
                    Values.WrongType(context, value, path, "a name prefix");
            }
            return renames.ToEquatableArray();
        }

        private static EquatableArray<GroupSpec> ReadGroups(ReadContext context, MappingReader root)
        {
            var node = root.Optional("groups");
            if (node is null) return EquatableArray<GroupSpec>.Empty;
            if (node is not YamlMappingNode mapping)
            {
                Values.WrongType(context, node, "groups", "a mapping of group names to globs");
                return EquatableArray<GroupSpec>.Empty;
            }

            var groups = new List<GroupSpec>();
            foreach (var (key, name, value) in NamedEntries(context, mapping, "groups"))
            {
                var path = "groups." + name;
                context.Record(path + ".$key", key);
                context.Record(path, value);
                EquatableArray<string> patterns;
                if (value is YamlSequenceNode)
                    patterns = ReadStrings(context, value, path, "a glob or a list of globs");
                else if (Values.String(context, value, path) is { } single)
                    patterns = EquatableArray.Create(single);
                else
                    patterns = EquatableArray<string>.Empty;
                groups.Add(new GroupSpec(name, patterns));
            }
            return groups.ToEquatableArray();
        }

        private static HeadSpec ReadHead(ReadContext context, MappingReader root)
        {
            var m = root.Mapping("head", required: true, SpecGrammar.KeyNames("head"));
            if (m is null) return new HeadSpec(null, EquatableArray<HeadLayerSpec>.Empty);
            var replace = m.String("replace");
            var layersNode = m.Required("layers", "a list of layers");
            if (layersNode is null) return new HeadSpec(replace, EquatableArray<HeadLayerSpec>.Empty);
            var layers = ReadList(context, layersNode, "head.layers", "a list of layers", new HeadLayerSpec(HeadLayerKind.Relu, null, null),
                (node, path) => ReadHeadLayer(context, node, path));
            return new HeadSpec(replace, layers);
        }

        private static HeadLayerSpec? ReadHeadLayer(ReadContext context, YamlNode node, string path)
        {
            if (node is YamlScalarNode)
            {
                var kind = Values.Enum(context, node, path, SpecNames.BareLayers);
                return kind is null ? null : new HeadLayerSpec(kind.Value, null, null);
            }
            if (!TryOneKey(context, node, path, "a layer name or a one-key mapping such as {linear: 10}", out var key, out var value))
                return null;
            switch (key.Value)
            {
                case "linear":
                    var units = Values.Int(context, value, path + ".linear", "a whole number of units");
                    return units is null ? null : new HeadLayerSpec(HeadLayerKind.Linear, units, null);
                case "dropout":
                    var rate = Values.Number(context, value, path + ".dropout");
                    return rate is null ? null : new HeadLayerSpec(HeadLayerKind.Dropout, null, rate);
                default:
                    var known = new[] { "linear", "dropout" };
                    context.Fail(path, SpecDiagnostics.UnknownKey, context.SpanOf(key), key.Value, "'" + path + "' (layers with a value are linear and dropout)",
                        SpecDiagnostics.DidYouMeanSuffix(key.Value ?? "", known));
                    return null;
            }
        }

        private static DataSpec ReadData(ReadContext context, MappingReader root)
        {
            var m = root.Mapping("data", required: true, SpecGrammar.KeyNames("data"));
            var placeholder = new DataSourceSpec("", null);
            if (m is null)
                return new DataSpec(DataFormat.Idx, placeholder, null, null, SpecDefaults.BatchSize, SpecDefaults.Shuffle, EquatableArray<int>.Empty, null, TransformSpec.None, SpecDefaults.Prefetch);

            var format = m.Enum("format", SpecNames.Formats, required: true);
            var trainNode = m.Required("train", "a path");
            var validNode = m.Optional("valid");
            return new DataSpec(
                Format: format ?? DataFormat.Idx,
                Train: trainNode is null ? placeholder : ReadSource(context, trainNode, "data.train", format) ?? placeholder,
                Valid: validNode is null ? null : ReadSource(context, validNode, "data.valid", format),
                Split: m.Number("split"),
                BatchSize: m.Int("batch-size") ?? 32,
                Shuffle: m.Bool("shuffle") ?? true,
                Classes: m.IntList("classes"),
                LabelColumn: m.String("label-column"),
                Transforms: ReadTransforms(m),
                Prefetch: m.Int("prefetch") ?? 2);
        }

        private static DataSourceSpec? ReadSource(ReadContext context, YamlNode node, string path, DataFormat? format)
        {
            if (node is YamlScalarNode)
            {
                var file = Values.String(context, node, path);
                return file is null ? null : new DataSourceSpec(file, null);
            }
            // The {images, labels} form only exists for idx; with an unreadable format, still read it to report its own problems.
            if (node is YamlMappingNode mapping && format != DataFormat.Csv && format != DataFormat.ImageFolder)
            {
                var m = new MappingReader(context, mapping, path, null, "images", "labels");
                var images = m.String("images", required: true);
                var labels = m.String("labels", required: true);
                return images is null || labels is null ? null : new DataSourceSpec(images, labels);
            }
            Values.WrongType(context, node, path, node is YamlMappingNode ? "a path (the {images, labels} form is for idx data only)" : "a path");
            return null;
        }

        private static TransformSpec ReadTransforms(MappingReader data)
        {
            var m = data.Mapping("transforms", required: false, SpecGrammar.KeyNames("data.transforms"));
            if (m is null) return TransformSpec.None;
            var normalize = m.Mapping("normalize", required: false, SpecGrammar.KeyNames("data.transforms.normalize"));
            return new TransformSpec(
                Resize: m.IntList("resize"),
                Channels: m.Int("channels"),
                Scale: m.Number("scale"),
                Mean: normalize?.NumberList("mean", required: true) ?? EquatableArray<double>.Empty,
                Std: normalize?.NumberList("std", required: true) ?? EquatableArray<double>.Empty,
                RandomFlip: m.Bool("random-flip") ?? SpecDefaults.RandomFlip,
                RandomCrop: m.Int("random-crop") ?? SpecDefaults.RandomCrop);
        }
    }
}
