using Denoising.Flow.Flows;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Flows;

/// <summary>The whole flow (logit, squeezes, steps, learned split priors) meets the layer contract.</summary>
public class GlowModelContractTests : InvertibleLayerTestBase
{
    public GlowModelContractTests(ITestOutputHelper output) : base(output) { }

    protected virtual GlowOptions Options(long channels) => new()
    {
        InputChannels = (int)channels, Levels = 2, StepsPerLevel = 2, HiddenChannels = 8,
    };

    protected override InvertibleLayer CreateLayer(long channels) => new GlowModel(Options(channels));

    protected override double ParameterNoise => 0.15;

    protected override IEnumerable<long[]> Shapes => new[] { new long[] { 2, 1, 4, 4 }, new long[] { 2, 3, 4, 4 }, new long[] { 2, 1, 8, 4 } };

    protected override Tensor CreateInput(long[] shape, Generator generator) =>
        rand(shape, dtype: ScalarType.Float64, generator: generator) * 0.98 + 0.01;
}

/// <summary>The other architecture choices: additive coupling, plain 1x1 convolution, standard split prior, three levels.</summary>
public class GlowModelVariantContractTests : GlowModelContractTests
{
    public GlowModelVariantContractTests(ITestOutputHelper output) : base(output) { }

    protected override GlowOptions Options(long channels) => new()
    {
        InputChannels = (int)channels, Levels = 3, StepsPerLevel = 1, HiddenChannels = 4,
        Coupling = CouplingKind.Additive, Conv1x1 = Conv1x1Kind.Plain, SplitPrior = SplitPriorKind.Standard,
    };

    protected override IEnumerable<long[]> Shapes => new[] { new long[] { 2, 1, 8, 8 }, new long[] { 2, 3, 8, 8 } };
}
