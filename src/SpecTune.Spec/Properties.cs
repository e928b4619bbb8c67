using System.Runtime.CompilerServices;

// The generator's attribute front end reuses the reader's name tables and the checker's entry point that
// skips rules on values it could not read, so that both front ends report alike.
[assembly: InternalsVisibleTo("SpecTune.Generators")]
