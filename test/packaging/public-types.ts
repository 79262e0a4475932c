/**
 * Finds internal types that leak into the published declarations: a type, class or value declared in the package's
 * .d.ts files, named by an exported declaration's signature, yet not exported by any entry point. A user can see it
 * in a tooltip but can neither import nor name it, and it changes whenever the internals do. Symbols used as
 * property keys are not types: a member keyed by an unexported symbol (a phantom brand) is out of reach by design.
 */
import ts from 'typescript';

/** `Leaked <- Users, …` for every internal name the public types mention. */
export function leakedInternalTypes(entryFiles: readonly string[], packageDir: string): string[] {
  const program = ts.createProgram([...entryFiles], {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  const checker = program.getTypeChecker();
  const resolve = (symbol: ts.Symbol): ts.Symbol => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  const exported = new Set<ts.Symbol>();
  for (const file of entryFiles) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
    for (const symbol of checker.getExportsOfModule(module)) exported.add(resolve(symbol));
  }
  const isOurs = (node: ts.Node) => node.getSourceFile().fileName.startsWith(packageDir);
  // `parent` (a namespace member's namespace) is not in TypeScript's public typings, though always set.
  const parentOf = (symbol: ts.Symbol) => (symbol as ts.Symbol & { parent?: ts.Symbol }).parent;
  const isPublic = (symbol: ts.Symbol): boolean =>
    exported.has(symbol) || (symbol.flags & ts.SymbolFlags.TypeParameter) !== 0 || (parentOf(symbol) !== undefined && isPublic(parentOf(symbol)!));

  const leaks = new Map<string, Set<string>>();
  for (const file of program.getSourceFiles()) {
    if (!isOurs(file)) continue;
    const visit = (node: ts.Node): void => {
      const name = ts.isTypeReferenceNode(node)
        ? node.typeName
        : ts.isTypeQueryNode(node)
          ? node.exprName
          : ts.isExpressionWithTypeArguments(node)
            ? node.expression
            : undefined;
      const symbol = name && checker.getSymbolAtLocation(name);
      const declaration = symbol && resolve(symbol).declarations?.[0];
      if (symbol && declaration && isOurs(declaration) && !isPublic(resolve(symbol)) && !isInsideItself(node, declaration)) {
        const user = topLevelName(node);
        if (user !== undefined && isPublicDeclaration(user)) {
          const users = leaks.get(resolve(symbol).name) ?? new Set<string>();
          users.add(user.name);
          leaks.set(resolve(symbol).name, users);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return [...leaks].map(([leaked, users]) => `${leaked} <- ${[...users].sort().join(', ')}`).sort();

  /** The statement a node is in, if that statement declares something an entry point exports. */
  function isPublicDeclaration(user: { name: string; symbol: ts.Symbol | undefined }): boolean {
    return user.symbol !== undefined && exported.has(resolve(user.symbol));
  }
  function topLevelName(node: ts.Node): { name: string; symbol: ts.Symbol | undefined } | undefined {
    let statement = node;
    while (statement.parent && !ts.isSourceFile(statement.parent)) statement = statement.parent;
    const named = ts.isVariableStatement(statement) ? statement.declarationList.declarations[0] : statement;
    const declName = (named as { name?: ts.Node }).name;
    if (!declName || !ts.isIdentifier(declName)) return undefined;
    return { name: declName.text, symbol: checker.getSymbolAtLocation(declName) };
  }
  function isInsideItself(node: ts.Node, declaration: ts.Node): boolean {
    for (let n: ts.Node | undefined = node; n; n = n.parent) if (n === declaration) return true;
    return false;
  }
}
