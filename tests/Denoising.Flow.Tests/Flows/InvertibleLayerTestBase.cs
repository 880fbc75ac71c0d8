using Denoising.Flow.Flows;
using FluentAssertions;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Flows;

/// <summary>
/// The contract every invertible layer must meet, checked in float64 on small inputs with randomised
/// parameters (an identity-initialised layer has log-det 0 and would hide sign bugs):
/// round trip, log-det against the brute-force autograd Jacobian (per sample, with zero cross-sample blocks),
/// <see cref="IInvertibleLayer.LogDet"/> agreeing with Forward, shapes, dtype and finiteness.
/// </summary>
public abstract class InvertibleLayerTestBase
{
    /// <summary>Round-trip bound in float64 (max abs error).</summary>
    protected const double RoundTripTolerance64 = 1e-10;

    /// <summary>Bound on |logdet - logdet_ref| / max(1, |logdet_ref|) in float64.</summary>
    protected const double LogDetTolerance64 = 1e-8;

    /// <summary>Round-trip bound in float32 (max abs error), from the measured errors of every layer (largest seen: 6.4e-5, a randomised six-layer sequence on 12 channels; most layers about 2e-7).</summary>
    protected const double RoundTripTolerance32 = 1e-4;

    private readonly ITestOutputHelper output;

    protected InvertibleLayerTestBase(ITestOutputHelper output) => this.output = output;

    /// <summary>A fresh layer for inputs with <paramref name="channels"/> channels.</summary>
    protected abstract InvertibleLayer CreateLayer(long channels);

    /// <summary>Batch shapes [B, C, H, W] to test (B at least 2, a few dozen values per sample).</summary>
    protected abstract IEnumerable<long[]> Shapes { get; }

    /// <summary>An input in the layer's domain.</summary>
    protected virtual Tensor CreateInput(long[] shape, Generator generator) =>
        randn(shape, dtype: ScalarType.Float64, generator: generator);

    /// <summary>Scale of the Gaussian perturbation added to every parameter.</summary>
    protected virtual double ParameterNoise => 0.3;

    /// <summary>The layer with randomised parameters, in eval mode, in <paramref name="dtype"/>.</summary>
    protected InvertibleLayer BuildRandomised(long channels, ScalarType dtype, long seed = 1234)
    {
        manual_seed(seed);
        var layer = CreateLayer(channels);
        using (no_grad())
        {
            foreach (var p in layer.parameters())
                p.add_(randn_like(p) * ParameterNoise);
        }
        layer.to(dtype);
        layer.eval();
        return layer;
    }

    [Fact]
    public void Forward_ThenInverse_RecoversInputInFloat64()
    {
        foreach (var shape in Shapes)
        {
            using var scope = NewDisposeScope();
            var layer = BuildRandomised(shape[1], ScalarType.Float64);
            var x = CreateInput(shape, new Generator(7));
            var (y, _) = layer.Forward(x);
            var back = layer.Inverse(y);
            double error = (back - x).abs().max().ToDouble();
            output.WriteLine($"{layer.Name} {Fmt(shape)} float64 round trip max abs error {error:E2}");
            error.Should().BeLessThan(RoundTripTolerance64, $"round trip of {layer.Name} on {Fmt(shape)}");
        }
    }

    [Fact]
    public void Inverse_ThenForward_RecoversLatentInFloat64()
    {
        foreach (var shape in Shapes)
        {
            using var scope = NewDisposeScope();
            var layer = BuildRandomised(shape[1], ScalarType.Float64);
            var (y, _) = layer.Forward(CreateInput(shape, new Generator(8)));
            var (again, _) = layer.Forward(layer.Inverse(y));
            double error = (again - y).abs().max().ToDouble();
            error.Should().BeLessThan(RoundTripTolerance64 * Math.Max(1, y.abs().max().ToDouble()), $"latent round trip of {layer.Name} on {Fmt(shape)}");
        }
    }

    [Fact]
    public void Forward_ThenInverse_RecoversInputInFloat32()
    {
        foreach (var shape in Shapes)
        {
            using var scope = NewDisposeScope();
            var layer = BuildRandomised(shape[1], ScalarType.Float32);
            var x = CreateInput(shape, new Generator(9)).to(ScalarType.Float32);
            var (y, _) = layer.Forward(x);
            double error = (layer.Inverse(y) - x).abs().max().ToDouble();
            output.WriteLine($"{layer.Name} {Fmt(shape)} float32 round trip max abs error {error:E2}");
            error.Should().BeLessThan(RoundTripTolerance32, $"float32 round trip of {layer.Name} on {Fmt(shape)}");
        }
    }

    [Fact]
    public void LogDet_MatchesBruteForceJacobianInFloat64()
    {
        foreach (var shape in Shapes)
        {
            using var scope = NewDisposeScope();
            var layer = BuildRandomised(shape[1], ScalarType.Float64);
            var x = CreateInput(shape, new Generator(11));
            long batch = shape[0];
            long perSample = x.numel() / batch;
            var (y, logDet) = layer.Forward(x);
            long outPerSample = y.numel() / batch;
            outPerSample.Should().Be(perSample, "an invertible layer keeps the number of values");

            var jacobian = autograd.functional.jacobian(flat => layer.Forward(flat.view(shape)).Output.reshape(-1), x.reshape(-1));
            jacobian.shape.Should().Equal(batch * perSample, batch * perSample);

            for (long b = 0; b < batch; b++)
            {
                var rows = jacobian.narrow(0, b * perSample, perSample);
                var block = rows.narrow(1, b * perSample, perSample);
                var (_, reference) = linalg.slogdet(block);
                double expected = reference.ToDouble();
                double actual = logDet[b].ToDouble();
                double relative = Math.Abs(actual - expected) / Math.Max(1, Math.Abs(expected));
                output.WriteLine($"{layer.Name} {Fmt(shape)} sample {b}: logdet {actual:F12} brute force {expected:F12} rel err {relative:E2}");
                relative.Should().BeLessThan(LogDetTolerance64, $"log-det of {layer.Name} on {Fmt(shape)}, sample {b}");

                var otherSamples = rows.clone();
                otherSamples.narrow(1, b * perSample, perSample).zero_();
                otherSamples.abs().max().ToDouble().Should().Be(0, "samples of a batch must not influence each other");
            }
        }
    }

    [Fact]
    public void LogDet_AgreesWithForward()
    {
        foreach (var shape in Shapes)
        {
            using var scope = NewDisposeScope();
            var layer = BuildRandomised(shape[1], ScalarType.Float64);
            var x = CreateInput(shape, new Generator(12));
            var (_, fromForward) = layer.Forward(x);
            var alone = layer.LogDet(x);
            (alone - fromForward).abs().max().ToDouble().Should().BeLessThan(1e-12);
        }
    }

    [Fact]
    public void Forward_GivesDeclaredShapeAndFiniteValuesWithInputDtype()
    {
        foreach (var shape in Shapes)
        {
            using var scope = NewDisposeScope();
            var layer = BuildRandomised(shape[1], ScalarType.Float64);
            var x = CreateInput(shape, new Generator(13));
            var (y, logDet) = layer.Forward(x);
            y.shape.Skip(1).Should().Equal(layer.OutputShape(shape.Skip(1).ToArray()));
            y.shape[0].Should().Be(shape[0]);
            logDet.shape.Should().Equal(shape[0]);
            logDet.dtype.Should().Be(ScalarType.Float64);
            y.dtype.Should().Be(ScalarType.Float64);
            isfinite(y).all().item<bool>().Should().BeTrue();
            isfinite(logDet).all().item<bool>().Should().BeTrue();
        }
    }

    [Fact]
    public void Forward_WithWrongRank_ThrowsArgumentExceptionNamingShape()
    {
        var shape = Shapes.First();
        var layer = BuildRandomised(shape[1], ScalarType.Float64);
        using var x = zeros(shape.Skip(1).ToArray(), dtype: ScalarType.Float64);
        var act = () => layer.Forward(x);
        act.Should().Throw<ArgumentException>().WithMessage("*[B, C, H, W]*");
    }

    protected static string Fmt(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
