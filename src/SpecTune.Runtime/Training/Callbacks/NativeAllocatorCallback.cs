using SpecTune.Native;

namespace SpecTune.Training;

/// <summary>Tunes glibc malloc for training before the fit (<see cref="NativeAllocator.TuneForTraining"/>) and gives freed memory back after it.</summary>
internal sealed class NativeAllocatorCallback : LearnerCallback
{
    public override int Order => -20;

    public override void BeforeFit(Learner learner) => NativeAllocator.TuneForTraining();

    // Steps reuse freed memory while training; afterwards the process gives it back.
    public override void AfterFit(Learner learner) => NativeAllocator.ReleaseFreeMemory();
}
