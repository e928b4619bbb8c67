using System.Text.RegularExpressions;
using SpecTune.Cli;
using SpecTune.Spec;
using SpecTune.Training;
using Spectre.Console.Testing;

namespace SpecTune.Tests;

/// <summary>The live display at the widths terminals have: every metric stays readable, nothing collapses to "…".</summary>
public sealed class TrainingDisplayTests
{
    private static readonly PhasePlan[] Phases =
    [
        new(0, "head-only", 3, ["head"], new Dictionary<string, double>(), ScheduleSpec.Constant, BatchNormPolicy.FreezeAll),
        new(1, "unfreeze", 2, ["head", "body"], new Dictionary<string, double>(), ScheduleSpec.Constant, BatchNormPolicy.FreezeAll),
    ];

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void Several_metrics_render_in_full_at_terminal_widths(int width)
    {
        var console = new TestConsole().Width(width).Interactive().EmitAnsiSequences();
        var display = new LiveTrainingDisplay(Phases, console);
        var metrics = new Dictionary<string, double>
        {
            ["train-loss"] = 0.51, ["val-loss"] = 0.4321, ["val-accuracy"] = 0.8125, ["val-macro-f1"] = 0.8001, ["val-top5-accuracy"] = 0.99,
        };
        display.Run(() =>
        {
            display.Report(new TrainingProgress("head-only", 0, 2, 3, 4, 4, 12, 0.51,
                new EpochResult("head-only", 0, 2, 12, metrics, new Dictionary<string, double>(), 1.5)));
            return 0;
        });

        var text = Regex.Replace(console.Output, @"\x1b\[[0-9;?]*[A-Za-z]", "");
        var lastFrame = text[Math.Max(0, text.LastIndexOf("head-only", StringComparison.Ordinal))..];
        Assert.DoesNotContain("…", lastFrame);
        foreach (var shown in new[] { "epoch 3/3", "loss 0.5100", "val-loss 0.4321", "val-accuracy 0.8125", "val-macro-f1 0.8001", "val-top5-accuracy 0.9900" })
            Assert.Contains(shown, lastFrame);
        Assert.All(lastFrame.Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= width, $"wider than {width}: {line}"));
    }
}
