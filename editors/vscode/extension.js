// Starts `nnc lsp` for .net files; everything else (diagnostics, hover, completion, definitions,
// formatting) is the server's.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate() {
  const command = vscode.workspace.getConfiguration("nnc").get("path", "nnc");
  client = new LanguageClient(
    "nnc",
    "nnc language server",
    { command, args: ["lsp"] },
    { documentSelector: [{ language: "nnc" }] }
  );
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
