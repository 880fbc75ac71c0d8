using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Denoising.Flow.Flows;

/// <summary>
/// LU-parametrised invertible 1x1 convolution (Glow, section 3.2): W = P L (U + diag(sign * exp(logS))),
/// P a fixed permutation, L unit lower triangular, U strictly upper triangular. log|det W| = sum(logS),
/// so the log-determinant costs O(C) and never needs a determinant.
/// </summary>
public sealed class LuConv1x1 : InvertibleConv1x1
{
    private readonly Tensor permutation;
    private readonly Tensor sign;
    private readonly Parameter lower;
    private readonly Parameter upper;
    private readonly Parameter logS;

    /// <summary>Creates the layer, starting from a random rotation (drawn from torch's global generator).</summary>
    public LuConv1x1(long channels) : base(nameof(LuConv1x1), channels)
    {
        using (var scope = NewDisposeScope())
        {
            var (p, l, u) = linalg.lu(RandomOrthogonal(channels));
            var s = u.diagonal();
            permutation = p.to(ScalarType.Float32).MoveToOuterDisposeScope();
            sign = s.sign().to(ScalarType.Float32).MoveToOuterDisposeScope();
            lower = nn.Parameter(l.tril(-1).to(ScalarType.Float32).MoveToOuterDisposeScope());
            upper = nn.Parameter(u.triu(1).to(ScalarType.Float32).MoveToOuterDisposeScope());
            logS = nn.Parameter(s.abs().log().to(ScalarType.Float32).MoveToOuterDisposeScope());
        }
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor Weight()
    {
        using var scope = NewDisposeScope();
        long c = logS.shape[0];
        var eye = torch.eye(c, dtype: lower.dtype, device: lower.device);
        var l = lower.tril(-1) + eye;
        var u = upper.triu(1) + diag(sign * logS.exp());
        return permutation.matmul(l).matmul(u).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor LogAbsDetWeight() => logS.sum();
}
