using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SpecTune.Spec;

namespace SpecTune.Generators.Parsing
{
    internal static partial class AttributeSpecParser
    {
        /// <summary>One attribute application: its data and syntax, with lookups of arguments by constructor position or property name.</summary>
        private sealed class Attr
        {
            private readonly AttributeSyntax? _syntax;

            public Attr(AttributeData data, CancellationToken cancellation)
            {
                Data = data;
                _syntax = data.ApplicationSyntaxReference?.GetSyntax(cancellation) as AttributeSyntax;
            }

            public AttributeData Data { get; }

            public SyntaxNode? Syntax => _syntax;

            public bool HasErrors =>
                Data.AttributeConstructor is null
                || Data.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error)
                || Data.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error);

            public TypedConstant? Named(string name)
            {
                foreach (var pair in Data.NamedArguments)
                    if (pair.Key == name) return pair.Value;
                return null;
            }

            /// <summary>The syntax of constructor argument <paramref name="index"/>; for a params array the elements from there on.</summary>
            public SyntaxNode? Positional(int index)
            {
                if (_syntax?.ArgumentList is null) return _syntax;
                var positional = _syntax.ArgumentList.Arguments.Where(a => a.NameEquals is null).ToList();
                var parameters = Data.AttributeConstructor?.Parameters ?? ImmutableArray<IParameterSymbol>.Empty;
                for (int i = 0; i < positional.Count; i++)
                {
                    var argument = positional[i];
                    var parameter = argument.NameColon is { } colon ? IndexOf(parameters, colon.Name.Identifier.Text) : i;
                    if (parameter == index) return argument.Expression;
                }
                return _syntax;
            }

            /// <summary>The syntax of the params-array element <paramref name="element"/> passed from constructor position <paramref name="index"/>.</summary>
            public SyntaxNode? ParamsElement(int index, int element)
            {
                var first = Positional(index);
                if (first is ExpressionSyntax expression && ElementsOf(expression) is { } elements)
                    return element < elements.Count ? elements[element] : expression;
                if (_syntax?.ArgumentList is null) return _syntax;
                var positional = _syntax.ArgumentList.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
                return index + element < positional.Count ? positional[index + element].Expression : _syntax;
            }

            public SyntaxNode? NamedSyntax(string name) =>
                _syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.Text == name)?.Expression ?? (SyntaxNode?)_syntax;

            public SyntaxNode? NamedElement(string name, int element)
            {
                var value = NamedSyntax(name);
                if (value is ExpressionSyntax expression && ElementsOf(expression) is { } elements && element < elements.Count) return elements[element];
                return value;
            }

            private static IReadOnlyList<SyntaxNode>? ElementsOf(ExpressionSyntax expression) => expression switch
            {
                ArrayCreationExpressionSyntax { Initializer: { } init } => init.Expressions,
                ImplicitArrayCreationExpressionSyntax { Initializer: var init } => init.Expressions,
                CollectionExpressionSyntax collection => collection.Elements,
                _ => null,
            };

            private static int IndexOf(ImmutableArray<IParameterSymbol> parameters, string name)
            {
                for (int i = 0; i < parameters.Length; i++)
                    if (parameters[i].Name == name) return i;
                return -1;
            }
        }
    }
}
