using Denoising.Flow.Flows;
using FluentAssertions;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Flows;

/// <summary>
/// A layer written outside the library, against <see cref="IInvertibleLayer"/> only (not the library's base class), composed
/// into an <see cref="InvertibleSequence"/> with library layers: the sequence passes the shared contract (round trip, log-det
/// against the autograd Jacobian in float64), and the user layer's parameters are registered with the sequence.
/// </summary>
public class UserLayerInSequenceTests : InvertibleLayerTestBase
{
    public UserLayerInSequenceTests(ITestOutputHelper output) : base(output) { }

    protected override InvertibleLayer CreateLayer(long channels) => new InvertibleSequence(
        new IInvertibleLayer[] { new Squeeze(), new ChannelScale(4 * channels), new LuConv1x1(4 * channels), new ChannelScale(4 * channels) },
        new[] { channels, -1L, -1L });

    protected override IEnumerable<long[]> Shapes => new[] { new long[] { 2, 1, 4, 4 }, new long[] { 3, 2, 2, 2 } };

    [Fact]
    public void Sequence_RegistersTheUserLayersParameters()
    {
        using var sequence = CreateLayer(1);
        sequence.named_parameters().Select(p => p.name).Should().Contain(n => n.EndsWith("logScale")).And.Contain(n => n.EndsWith("shift"));
        ((InvertibleSequence)sequence).Layers.OfType<ChannelScale>().Should().HaveCount(2);
    }

    /// <summary>y = x * exp(s_c) + b_c per channel: a user's invertible layer, with its own shape check.</summary>
    private sealed class ChannelScale : nn.Module, IInvertibleLayer
    {
        private readonly Parameter logScale;
        private readonly Parameter shift;
        private readonly long channels;

        public ChannelScale(long channels) : base(nameof(ChannelScale))
        {
            this.channels = channels;
            logScale = nn.Parameter(zeros(1, channels, 1, 1));
            shift = nn.Parameter(zeros(1, channels, 1, 1));
            RegisterComponents();
        }

        public string Name => $"ChannelScale({channels})";

        public (Tensor Output, Tensor LogDet) Forward(Tensor input) => (input * logScale.exp() + shift, LogDet(input));

        public Tensor Inverse(Tensor output) => (output - shift) * (-logScale).exp();

        public Tensor LogDet(Tensor input) => (logScale.sum() * (input.shape[2] * input.shape[3])).expand(input.shape[0]);

        public long[] OutputShape(long[] inputShape)
        {
            if (inputShape.Length != 3 || inputShape[0] != channels)
                throw new ArgumentException($"{Name} expects [{channels}, H, W], got [{string.Join(", ", inputShape)}].", nameof(inputShape));
            return inputShape;
        }
    }
}
