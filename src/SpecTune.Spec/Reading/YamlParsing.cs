using System.IO;
using YamlDotNet.Core;
using YamlDotNet.Core.Tokens;

namespace SpecTune.Spec
{
    /// <summary>
    /// The one way SpecTune makes a YamlDotNet parser (the safety pre-pass and the loader use it alike).
    /// YamlDotNet 18.1's parser peeks twice after an anchored scalar in a flow mapping and so drops the ','
    /// that follows (`{ head: &amp;small 1.0e-3, body: *small }` fails as "did not find expected ',' or '}'");
    /// <see cref="PeekOnceScanner"/> makes a second peek without a consume return the same token.
    /// </summary>
    internal static class YamlParsing
    {
        public static IParser CreateParser(string text) => new Parser(new PeekOnceScanner(new Scanner(new StringReader(text))));

        private sealed class PeekOnceScanner : IScanner
        {
            private readonly Scanner _inner;
            private bool _peeked;

            public PeekOnceScanner(Scanner inner) => _inner = inner;

            public Mark CurrentPosition => _inner.CurrentPosition;

            public Token? Current => _inner.Current;

            public bool MoveNext()
            {
                _peeked = false;
                return _inner.MoveNext();
            }

            public bool MoveNextWithoutConsuming()
            {
                // The parser's end-of-stream check peeks past StreamEnd on purpose; let that one through.
                if (_peeked && _inner.Current is not null && _inner.Current is not StreamEnd) return true;
                _peeked = _inner.MoveNextWithoutConsuming();
                return _peeked;
            }

            public void ConsumeCurrent()
            {
                _peeked = false;
                _inner.ConsumeCurrent();
            }
        }
    }
}
