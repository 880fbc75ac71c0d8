using Denoising.Flow.Persistence;
using FluentAssertions;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Denoising.Flow.Tests.Persistence;

public class ModuleStateTests
{
    private static nn.Module<Tensor, Tensor> Net(long seed)
    {
        manual_seed(seed);
        return nn.Sequential(nn.Conv2d(1, 4, 3, padding: 1), nn.ReLU(), nn.Conv2d(4, 1, 3, padding: 1));
    }

    [Fact]
    public void Load_writes_into_the_modules_own_tensors()
    {
        using var source = Net(1);
        using var target = Net(2);
        var before = target.parameters().Select(p => p.Handle).ToArray();

        ModuleState.Load(target, ModuleState.Save(source), "test.ckpt");

        target.parameters().Select(p => p.Handle).Should().Equal(before, "an optimizer built on the module keeps working only if its tensors stay the same");
        foreach (var (a, b) in source.parameters().Zip(target.parameters()))
            a.allclose(b, rtol: 0, atol: 0).Should().BeTrue();
    }

    [Fact]
    public void Load_into_a_module_on_another_device_writes_in_place_and_keeps_it_there()
    {
        // Resuming on CUDA failed ("Tensor invalid -- empty handle", seen on an H200): TorchSharp's Module.load moves a
        // CUDA module to the CPU and back, replacing the parameters the optimizer holds. No CUDA here, so this checks the
        // off-CPU path of the in-place load on the META device: the tensors stay the same and stay where they were.
        // (TorchSharp's own load keeps META modules in place too, so this alone would not have caught the CUDA failure.)
        using var source = Net(1);
        using var target = Net(2);
        target.to(META);
        using var optimizer = optim.Adam(target.parameters(), lr: 1e-3);
        var before = target.parameters().Select(p => p.Handle).ToArray();

        ModuleState.Load(target, ModuleState.Save(source), "test.ckpt");

        target.parameters().Select(p => p.Handle).Should().Equal(before);
        target.parameters().Should().OnlyContain(p => p.device_type == DeviceType.META);
        var optimizerState = () => optimizer.state_dict(); // what loading the optimizer's own state reads first
        optimizerState.Should().NotThrow();
    }

    [Fact]
    public void Load_does_not_go_through_TorchSharps_Module_load()
    {
        // The mechanism of the CUDA failure, checkable without a GPU: Module.load (which moves a CUDA module to the CPU and
        // back, replacing its parameters) must not be what reads the weights.
        using var source = new NoModuleLoad(1);
        using var target = new NoModuleLoad(2);

        ModuleState.Load(target, ModuleState.Save(source), "test.ckpt");

        foreach (var (a, b) in source.parameters().Zip(target.parameters()))
            a.allclose(b, rtol: 0, atol: 0).Should().BeTrue();
    }

    private sealed class NoModuleLoad : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> conv;

        public NoModuleLoad(long seed) : base(nameof(NoModuleLoad))
        {
            manual_seed(seed);
            conv = nn.Conv2d(1, 2, 3);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => conv.forward(input);

        public override nn.Module load(BinaryReader reader, bool strict = true, IList<string>? skip = null, Dictionary<string, bool>? loadedParameters = null) =>
            throw new InvalidOperationException("Module.load replaces the parameters of a module that is not on the CPU.");
    }

    [Fact]
    public void Load_refuses_weights_of_another_architecture_naming_the_problem()
    {
        using var source = nn.Sequential(nn.Conv2d(1, 4, 3, padding: 1));
        using var target = Net(2);
        var load = () => ModuleState.Load(target, ModuleState.Save(source), "other.ckpt");
        load.Should().Throw<CheckpointException>().WithMessage("*other.ckpt*stores 2 tensors where the model has 4*");

        using var renamed = nn.Sequential(("first", nn.Conv2d(1, 4, 3, padding: 1)), ("act", nn.ReLU()), ("last", nn.Conv2d(4, 1, 3, padding: 1)));
        var named = () => ModuleState.Load(target, ModuleState.Save(renamed), "other.ckpt");
        named.Should().Throw<CheckpointException>().WithMessage("*no (other) tensor named 'first.weight'*");
    }

    [Fact]
    public void Load_refuses_a_tensor_of_another_shape()
    {
        using var source = nn.Sequential(nn.Conv2d(1, 8, 3, padding: 1), nn.ReLU(), nn.Conv2d(8, 1, 3, padding: 1));
        using var target = Net(2);
        var load = () => ModuleState.Load(target, ModuleState.Save(source), "shape.ckpt");
        load.Should().Throw<CheckpointException>().WithMessage("*shape.ckpt*Mismatched tensor shape*");
    }
}
