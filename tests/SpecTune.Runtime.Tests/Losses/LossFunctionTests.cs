using SpecTune.Losses;
using SpecTune.Spec;
using TorchSharp;
using static TorchSharp.torch;

namespace SpecTune.Tests.Losses;

public class LossFunctionTests
{
    private static readonly LossSpec CrossEntropy = new(LossKind.CrossEntropy, 0);
    private static readonly LossSpec Binary = new(LossKind.BinaryCrossEntropy, 0);

    private static double Value(LossFunction loss, Tensor output, Tensor target)
    {
        using var result = loss.Compute(output, target);
        Assert.Equal(0, result.dim());
        return result.item<float>();
    }

    [Fact]
    public void Cross_entropy_on_logits_matches_the_hand_computed_value()
    {
        var loss = LossFunction.Create(CrossEntropy, TaskKind.MulticlassClassification, HeadLayerKind.Linear);
        using var logits = torch.tensor(new float[] { 1, 2, 3, 0, 0, 0 }, [2, 3]);
        using var target = torch.tensor(new long[] { 2, 0 });
        // −log softmax: sample 1, class 2: log(1 + e^−1 + e^−2); sample 2, uniform: log 3.
        var expected = (Math.Log(1 + Math.Exp(-1) + Math.Exp(-2)) + Math.Log(3)) / 2;
        Assert.Equal(expected, Value(loss, logits, target), 6);
    }

    [Fact]
    public void Cross_entropy_accepts_class_indexes_given_as_floats()
    {
        var loss = LossFunction.Create(CrossEntropy, TaskKind.MulticlassClassification, null);
        using var logits = torch.tensor(new float[] { 1, 2, 3, 0, 0, 0 }, [2, 3]);
        using var asLong = torch.tensor(new long[] { 2, 0 });
        using var asFloat = torch.tensor(new float[] { 2, 0 });
        Assert.Equal(Value(loss, logits, asLong), Value(loss, logits, asFloat));
    }

    [Fact]
    public void Label_smoothing_matches_the_formula_and_torch()
    {
        const double epsilon = 0.1;
        var loss = LossFunction.Create(new LossSpec(LossKind.CrossEntropy, epsilon), TaskKind.MulticlassClassification, HeadLayerKind.Linear);
        using var logits = torch.tensor(new float[] { 1, 2, 3 }, [1, 3]);
        using var target = torch.tensor(new long[] { 0 });

        // (1 − ε)·(−log p_0) + ε·mean_c(−log p_c), with log p_c = c + 1 − log(e + e² + e³).
        var logSum = Math.Log(Math.E + Math.Exp(2) + Math.Exp(3));
        double[] negLog = [logSum - 1, logSum - 2, logSum - 3];
        var expected = (1 - epsilon) * negLog[0] + epsilon * negLog.Average();
        Assert.Equal(expected, Value(loss, logits, target), 5);

        using var reference = nn.functional.cross_entropy(logits, target, label_smoothing: epsilon);
        Assert.Equal(reference.item<float>(), Value(loss, logits, target), 6);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.2)]
    public void A_softmax_head_gives_the_same_loss_as_its_logits(double smoothing)
    {
        var spec = new LossSpec(LossKind.CrossEntropy, smoothing);
        var onLogits = LossFunction.Create(spec, TaskKind.MulticlassClassification, HeadLayerKind.Linear);
        var onProbabilities = LossFunction.Create(spec, TaskKind.MulticlassClassification, HeadLayerKind.Softmax);
        using var logits = torch.randn(16, 5, generator: new Generator(11)) * 2;
        using var probabilities = nn.functional.softmax(logits, 1);
        using var target = torch.randint(0, 5, [16], generator: new Generator(12));

        Assert.True(onProbabilities.OutputIsProbability);
        Assert.Equal(Value(onLogits, logits, target), Value(onProbabilities, probabilities, target), 5);
    }

    [Fact]
    public void Saturated_softmax_probabilities_give_a_finite_loss()
    {
        var loss = LossFunction.Create(CrossEntropy, TaskKind.MulticlassClassification, HeadLayerKind.Softmax);
        using var probabilities = torch.tensor(new float[] { 1, 0 }, [1, 2]);
        using var wrong = torch.tensor(new long[] { 1 });
        Assert.Equal(-Math.Log(LossFunction.ProbabilityEpsilon), Value(loss, probabilities, wrong), 3);
    }

    [Fact]
    public void Binary_cross_entropy_with_logits_matches_the_hand_computed_value_and_is_stable()
    {
        var loss = LossFunction.Create(Binary, TaskKind.BinaryClassification, HeadLayerKind.Linear);
        using var logits = torch.tensor(new float[] { 0, 2 }, [2, 1]);
        using var target = torch.tensor(new float[] { 1, 0 });
        // −log σ(0) = log 2; −log(1 − σ(2)) = log(1 + e²).
        Assert.Equal((Math.Log(2) + Math.Log(1 + Math.Exp(2))) / 2, Value(loss, logits, target), 5);

        using var extreme = torch.tensor(new float[] { 100 });
        using var zero = torch.tensor(new float[] { 0 });
        Assert.Equal(100.0, Value(loss, extreme, zero), 3);
    }

    [Fact]
    public void A_sigmoid_head_gives_the_same_loss_as_its_logits_for_both_output_shapes()
    {
        var onLogits = LossFunction.Create(Binary, TaskKind.BinaryClassification, HeadLayerKind.Linear);
        var onProbabilities = LossFunction.Create(Binary, TaskKind.BinaryClassification, HeadLayerKind.Sigmoid);
        using var logits = torch.randn(32, 1, generator: new Generator(5)) * 3;
        using var probabilities = torch.sigmoid(logits);
        using var target = torch.randint(0, 2, [32], generator: new Generator(6)).to_type(ScalarType.Float32);

        var reference = Value(onLogits, logits, target);
        Assert.Equal(reference, Value(onProbabilities, probabilities, target), 5);
        using var flatLogits = logits.reshape(32);
        using var columnTarget = target.reshape(32, 1);
        Assert.Equal(reference, Value(onLogits, flatLogits, columnTarget), 6);
    }

    [Fact]
    public void Binary_loss_rejects_more_than_one_output_per_sample()
    {
        var loss = LossFunction.Create(Binary, TaskKind.BinaryClassification, null);
        using var output = torch.zeros(4, 2);
        using var target = torch.zeros(4);
        Assert.Throws<ArgumentException>(() => loss.Compute(output, target));
    }

    [Fact]
    public void Mse_matches_the_hand_computed_value_without_broadcasting_a_column_against_a_row()
    {
        var loss = LossFunction.Create(new LossSpec(LossKind.Mse, 0), TaskKind.Regression, HeadLayerKind.Linear);
        using var output = torch.tensor(new float[] { 1, 2 }, [2, 1]);
        using var target = torch.tensor(new float[] { 3, 5 });
        Assert.Equal((4 + 9) / 2.0, Value(loss, output, target), 6);
    }

    [Fact]
    public void Gradients_flow_through_every_loss()
    {
        foreach (var (loss, output, target) in new (LossFunction, Tensor, Tensor)[]
        {
            (LossFunction.Create(new LossSpec(LossKind.CrossEntropy, 0.1), TaskKind.MulticlassClassification, HeadLayerKind.Softmax),
                nn.functional.softmax(torch.randn(4, 3), 1), torch.tensor(new long[] { 0, 1, 2, 1 })),
            (LossFunction.Create(Binary, TaskKind.BinaryClassification, HeadLayerKind.Linear), torch.randn(4, 1), torch.tensor(new float[] { 0, 1, 1, 0 })),
        })
        {
            var leaf = output.detach().requires_grad_(true);
            loss.Compute(leaf, target).backward();
            Assert.NotNull(leaf.grad);
            Assert.True(leaf.grad!.abs().sum().item<float>() > 0, loss.Name);
        }
    }

    [Fact]
    public void Probabilities_and_predictions_for_multiclass_heads()
    {
        var logitsLoss = LossFunction.Create(CrossEntropy, TaskKind.MulticlassClassification, HeadLayerKind.Linear);
        var softmaxLoss = LossFunction.Create(CrossEntropy, TaskKind.MulticlassClassification, HeadLayerKind.Softmax);
        using var logits = torch.tensor(new float[] { 0, 5, 1, 3, 0, 0 }, [2, 3]);
        using var probabilities = nn.functional.softmax(logits, 1);

        Assert.Equal(new long[] { 1, 0 }, logitsLoss.Predictions(logits).data<long>().ToArray());
        Assert.Equal(new long[] { 1, 0 }, softmaxLoss.Predictions(probabilities).data<long>().ToArray());
        using var fromLogits = logitsLoss.ToProbabilities(logits);
        Assert.Equal(probabilities.data<float>().ToArray(), fromLogits.data<float>().ToArray());
        using var passedThrough = softmaxLoss.ToProbabilities(probabilities);
        Assert.Equal(probabilities.data<float>().ToArray(), passedThrough.data<float>().ToArray());
    }

    [Fact]
    public void Binary_predictions_threshold_the_probability_at_one_half()
    {
        var logitsLoss = LossFunction.Create(Binary, TaskKind.BinaryClassification, HeadLayerKind.Linear);
        var sigmoidLoss = LossFunction.Create(Binary, TaskKind.BinaryClassification, HeadLayerKind.Sigmoid);
        using var logits = torch.tensor(new float[] { -2, 0, 0.1f, 3 }, [4, 1]);
        using var probabilities = torch.tensor(new float[] { 0.2f, 0.5f, 0.49f, 0.9f });

        Assert.Equal(new long[] { 0, 1, 1, 1 }, logitsLoss.Predictions(logits).data<long>().ToArray());
        Assert.Equal(new long[] { 0, 1, 0, 1 }, sigmoidLoss.Predictions(probabilities).data<long>().ToArray());
        using var p = logitsLoss.ToProbabilities(logits);
        Assert.Equal([4L], p.shape);
        Assert.Equal(1 / (1 + Math.Exp(2)), p[0].item<float>(), 6);
    }

    [Fact]
    public void Rejects_losses_that_do_not_fit_the_task_or_the_head()
    {
        Assert.Throws<ArgumentException>(() => LossFunction.Create(CrossEntropy, TaskKind.Regression, null));
        Assert.Throws<ArgumentException>(() => LossFunction.Create(Binary, TaskKind.MulticlassClassification, null));
        Assert.Throws<ArgumentException>(() => LossFunction.Create(new LossSpec(LossKind.Mse, 0), TaskKind.BinaryClassification, null));
        Assert.Throws<ArgumentException>(() => LossFunction.Create(CrossEntropy, TaskKind.MulticlassClassification, HeadLayerKind.Sigmoid));
        Assert.Throws<ArgumentException>(() => LossFunction.Create(Binary, TaskKind.BinaryClassification, HeadLayerKind.Softmax));
        Assert.Throws<ArgumentException>(() => LossFunction.Create(new LossSpec(LossKind.BinaryCrossEntropy, 0.1), TaskKind.BinaryClassification, null));
        Assert.Throws<InvalidOperationException>(() => LossFunction.Create(new LossSpec(LossKind.Mse, 0), TaskKind.Regression, null).ToProbabilities(torch.zeros(2)));
    }

    [Fact]
    public void Names_say_how_the_output_is_read()
    {
        Assert.Equal("binary-cross-entropy (with logits)", LossFunction.Create(Binary, TaskKind.BinaryClassification, null).Name);
        Assert.Equal("binary-cross-entropy (sigmoid probabilities)", LossFunction.Create(Binary, TaskKind.BinaryClassification, HeadLayerKind.Sigmoid).Name);
        Assert.Equal("cross-entropy (label smoothing 0.1)", LossFunction.Create(new LossSpec(LossKind.CrossEntropy, 0.1), TaskKind.MulticlassClassification, HeadLayerKind.Linear).Name);
    }

    [Fact]
    public void A_NaN_sigmoid_probability_gives_a_NaN_loss_for_the_divergence_check_instead_of_throwing()
    {
        var loss = LossFunction.Create(Binary, TaskKind.BinaryClassification, HeadLayerKind.Sigmoid);
        using var probabilities = torch.tensor(new float[] { 0.25f, float.NaN }, [2, 1]).requires_grad_();
        using var target = torch.tensor(new float[] { 0, 1 });
        using var result = loss.Compute(probabilities, target);
        Assert.True(float.IsNaN(result.item<float>()));
        Assert.True(result.requires_grad); // the trainer's backward pass still runs before its check
    }
}
