using SpecTune.Bench;

// `SpecTune.Bench child <command> ...` is one measurement in its own process; anything else runs the whole benchmark.
return args.Length > 0 && args[0] == "child" ? Child.Run(args[1..]) : Orchestrator.Run(args);
