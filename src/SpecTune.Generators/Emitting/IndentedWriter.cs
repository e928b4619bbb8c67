using System.Text;

namespace SpecTune.Generators.Emitting
{
    /// <summary>A minimal indented text writer: four spaces per level, `\n` line ends (stable snapshots on every OS).</summary>
    internal sealed class IndentedWriter
    {
        private readonly StringBuilder _text = new StringBuilder();
        private int _indent;

        public IndentedWriter Line(string line = "")
        {
            if (line.Length > 0) _text.Append(' ', _indent * 4).Append(line);
            _text.Append('\n');
            return this;
        }

        /// <summary>Writes each `\n`-separated line of <paramref name="text"/> at the current indentation (nested lines keep their own leading spaces).</summary>
        public IndentedWriter Lines(string text)
        {
            foreach (var line in text.Split('\n')) Line(line);
            return this;
        }

        /// <summary>Writes `{`, then indents until the returned scope is disposed, which writes `}` plus <paramref name="closing"/>.</summary>
        public Scope Block(string? header = null, string closing = "")
        {
            if (header is not null) Line(header);
            Line("{");
            _indent++;
            return new Scope(this, closing);
        }

        public void Indent() => _indent++;

        public void Outdent() => _indent--;

        public override string ToString() => _text.ToString();

        public readonly struct Scope : System.IDisposable
        {
            private readonly IndentedWriter _writer;
            private readonly string _closing;

            public Scope(IndentedWriter writer, string closing)
            {
                _writer = writer;
                _closing = closing;
            }

            public void Dispose()
            {
                _writer._indent--;
                _writer.Line("}" + _closing);
            }
        }
    }
}
