#!/bin/sh
# Packs every SpecTune package (SpecTune, SpecTune.Cli, SpecTune.Templates) into a local folder feed and registers
# that folder as the NuGet source "spectune-local" in the user's NuGet configuration, so that the steps in
# docs/tooling.md ("Packages from a clone") work as written. Until SpecTune is on a public feed this is how to get it.
#
#   tools/local-feed.sh                      pack into ~/.spectune/feed (FEED=... for another folder) and register it
#   VERSION=0.1.1-dev tools/local-feed.sh    pack another version (default: the repository's, 0.1.0)
#
# NuGet extracts a version once per packages folder and never again: after changing SpecTune, pack a new VERSION and
# pass it to the template (dotnet new spectune --SpecTuneVersion ...). Takes about a minute (the CLI carries libtorch).
set -eu
repo="$(cd "$(dirname "$0")/.." && pwd)"
FEED="${FEED:-$HOME/.spectune/feed}"
VERSION="${VERSION:-$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -n 1)}"
mkdir -p "$FEED"
FEED="$(cd "$FEED" && pwd)"

for project in src/SpecTune.Package/SpecTune.Package.csproj src/SpecTune.Cli/SpecTune.Cli.csproj templates/SpecTune.Templates/SpecTune.Templates.csproj; do
    echo "packing $project ($VERSION)"
    dotnet pack "$repo/$project" -c Release -o "$FEED" -p:PackageVersion="$VERSION" -nodeReuse:false -v:q -nologo
done

if dotnet nuget list source --format short | grep -q " $FEED\$"; then
    echo "NuGet source already registered: $FEED"
elif dotnet nuget list source | grep -q "spectune-local"; then
    dotnet nuget update source spectune-local --source "$FEED"
else
    dotnet nuget add source "$FEED" --name spectune-local
fi
echo "feed: $FEED (SpecTune, SpecTune.Cli, SpecTune.Templates $VERSION), registered as the NuGet source spectune-local"
