/// Every message of the semantic stage, in one place: lower-case, source text quoted.
/// Fixes are phrased as instructions.
enum CheckMessage {
    // MARK: Names
    static func didYouMean(_ name: String) -> String { "did you mean '\(name)'?" }
    static func unknownLayer(_ name: String) -> String { "unknown layer '\(name)'" }
    static func unknownConstant(_ name: String, inBlock: Bool) -> String {
        inBlock ? "unknown constant or block parameter '\(name)'" : "unknown constant '\(name)'"
    }
    static func defineConstant(_ name: String) -> String { "define it: 'let \(name) = …'" }
    static func unknownOption(_ name: String, of owner: String) -> String { "unknown option '\(name)' for '\(owner)'" }
    static func unknownKey(_ name: String, in block: String) -> String { "unknown key '\(name)' in '\(block)'" }
    static func unknownSection(_ name: String, in block: String) -> String { "unknown section '\(name)' in '\(block)'" }
    static func unknownChoice(_ name: String, for what: String, choices: [String]) -> String {
        "'\(name)' is not a valid value for \(what); expected \(oneOf(choices))"
    }
    static func unknownOptimizer(_ name: String) -> String {
        "unknown optimizer '\(name)'; expected \(oneOf(OptimizerMethod.allCases.map(\.rawValue)))"
    }
    static func unknownSource(_ name: String) -> String { "unknown data source '\(name)'; expected \(oneOf(["idx", "cifar10", "csv"]))" }
    static func unknownLayerName(_ name: String) -> String { "no layer named '\(name)' in the net" }
    static func overrideWithoutParameters(_ name: String) -> String {
        "layer '\(name)' has no parameters, so its override would change nothing"
    }
    static func overrideParametersFix(_ candidates: [String]) -> String {
        guard !candidates.isEmpty else { return "remove it: the net has no layer with parameters" }
        let shown = candidates.prefix(4).map { "'\($0)'" }.joined(separator: ", ")
        return "remove it, or name a layer with parameters: \(shown)\(candidates.count > 4 ? ", …" : "")"
    }
    static let layerNamesHint = "'nnc check' lists the layer names; a label ('head: dense 10') names a layer"
    static func unknownBlockParameter(_ name: String, of block: String) -> String {
        "block '\(block)' has no parameter '\(name)'"
    }

    /// Common misnomers from other frameworks.
    static func aliasFix(_ name: String) -> String? {
        let aliases = ["linear": "dense", "fc": "dense", "fully_connected": "dense", "conv2d": "conv",
                       "convolution": "conv", "max_pool": "maxpool", "avg_pool": "avgpool",
                       "batch_norm": "batchnorm", "bn": "batchnorm", "layer_norm": "layernorm",
                       "rms_norm": "rmsnorm", "abs": "modu", "modulus": "modu", "leakyrelu": "leaky_relu",
                       "global_avg_pool": "global_avgpool", "gap": "global_avgpool", "drop": "dropout"]
        if name == "softmax" { return "remove it: 'loss cross_entropy' applies the softmax" }
        return aliases[name].map(didYouMean)
    }

    // MARK: Duplicates and definitions
    static func duplicateConstant(_ name: String) -> String { "constant '\(name)' is defined twice" }
    static func duplicateBlock(_ name: String) -> String { "block '\(name)' is defined twice" }
    static func duplicateParameter(_ name: String) -> String { "parameter '\(name)' is listed twice" }
    static let duplicateNet = "only one 'net' is allowed in a file"
    static func duplicateStatement(_ name: String) -> String { "'\(name)' is given twice" }
    static func duplicateOption(_ name: String) -> String { "'\(name)' is given twice" }
    static func duplicateLabel(_ name: String) -> String { "duplicate layer name '\(name)'" }
    static func duplicateOverride(_ name: String) -> String { "layer '\(name)' has two override sections" }
    static func labelIsAutomaticName(_ name: String, _ keyword: String) -> String {
        "label '\(name)' is also the automatic name of another '\(keyword)' layer"
    }
    static let chooseAnotherLabel = "choose a label that is not a layer keyword followed by a number"
    static let labelInRepeatedCode = "a label inside a block or 'repeat' names every copy; label the use instead or remove it"
    static let firstDefinedHere = "first defined here"
    static let firstGivenHere = "first given here"
    static let firstUsedHere = "first used here"
    static func definedHere(_ name: String) -> String { "'\(name)' is defined here" }
    static func expandedFrom(_ name: String) -> String { "in this use of block '\(name)'" }
    static func blockShadowsLayer(_ name: String) -> String { "block '\(name)' has the name of a layer" }
    static let renameBlock = "rename the block"
    static func unusedBlock(_ name: String) -> String { "block '\(name)' is never used" }
    static func constantCycle(_ name: String) -> String { "constant '\(name)' is defined in terms of itself" }

    // MARK: Values
    static func expected(_ what: String, _ type: String, got: String) -> String { "\(what) must be \(type), got \(got)" }
    static func outOfRange(_ what: String, requirement: String, got: String) -> String {
        "\(what) must be \(requirement), got \(got)"
    }
    static func writeAsInteger(_ n: Int) -> String { "write it as an integer: '\(n)'" }
    static func oneOf(_ choices: [String]) -> String {
        let quoted = choices.map { "'\($0)'" }
        return quoted.count <= 1 ? quoted.joined() : "one of " + quoted.joined(separator: ", ")
    }
    static func integerTooLarge(_ text: String) -> String { "integer '\(text)' is too large (the limit is \(Int.max))" }
    static let arithmeticOverflow = "arithmetic overflow"
    static let divisionByZero = "division by zero"
    static func operatorNeedsNumbers(_ op: String, got: String) -> String { "'\(op)' needs numbers, got \(got)" }
    static func expressionTooDeep(_ limit: Int) -> String { "expression is nested more than \(limit) levels deep" }
    static func initializerNeedsArgument(_ name: String) -> String { "initialiser '\(name)' needs its scale" }
    static func writeInitializer(_ name: String) -> String { name == "normal" ? "write 'normal(0.01)'" : "write 'uniform(0.05)'" }
    static let shapeExpectation = "a shape such as '[784]' or '[1, 28, 28]'"
    static let sourceExpectation = "a data source such as 'idx(\"images.gz\", \"labels.gz\")'"
    static let noiseExpectation = "'noise(eta: 0.3, gamma: 0.55)' or 'false'"
    static let searchExpectation = "'search(every: 10, steps: 30, batches: own)', 'true' or 'false'"

    // MARK: Statements and arguments
    static func takesNoArguments(_ name: String) -> String { "'\(name)' takes no arguments" }
    static func takesNoOptions(_ name: String) -> String { "'\(name)' takes no options" }
    static func tooManyArguments(_ name: String) -> String { "too many arguments for '\(name)'" }
    static func labelOptions(_ names: [String]) -> String { "name the option: \(names.map { "'\($0):'" }.joined(separator: ", "))" }
    static func missingPositional(_ keyword: String, _ name: String) -> String { "'\(keyword)' needs its \(name)" }
    static func writeFor(_ keyword: String, _ option: OptionSpec) -> String? {
        let examples = ["dense": "dense 128", "conv": "conv 32, kernel: 5", "maxpool": "maxpool 2",
                        "avgpool": "avgpool 2", "repeat": "repeat 3 { … }", "input": "input [784]",
                        "loss": "loss cross_entropy", "csv": "csv(\"file.csv\", label: 0)", "split": "split(0.1)",
                        "normal": "normal(0.01)", "uniform": "uniform(0.05)"]
        return examples[keyword].map { "write e.g. '\($0)'" }
    }
    static func takesNoBody(_ name: String) -> String { "'\(name)' takes no '{ … }' body" }
    static func needsBody(_ name: String) -> String { "'\(name)' needs a '{ … }' body" }
    static let repeatFix = "write e.g. 'repeat 3 { dense 20; modu }'"
    static let residualFix = "write e.g. 'residual { dense 64; relu }'"
    static func labelNotAllowed(_ name: String) -> String { "a label cannot name '\(name)'" }
    static func notAtTopLevel(_ name: String) -> String { "'\(name)' belongs directly in the net, not inside a block, 'repeat' or 'residual'" }
    static func missingBlockArguments(_ block: String, _ names: [String]) -> String {
        "missing argument\(names.count == 1 ? "" : "s") \(names.map { "'\($0)'" }.joined(separator: ", ")) for block '\(block)'"
    }
    static func blockCallFix(_ block: String, _ params: [String]) -> String {
        "write '\(block)(\(params.map { "\($0): …" }.joined(separator: ", ")))'"
    }
    static func tooManyBlockArguments(_ block: String, _ count: Int) -> String {
        "too many arguments for block '\(block)', which takes \(count)"
    }
    static func recursiveBlock(_ name: String, through caller: String) -> String {
        caller == name ? "block '\(name)' uses itself" : "block '\(name)' uses itself through '\(caller)'"
    }

    // MARK: Net structure
    static let missingNet = "no 'net' in this file"
    static let addNet = "add 'net name { input [784]; dense 10; loss cross_entropy }'"
    static func missingInput(_ net: String) -> String { "net '\(net)' has no 'input'" }
    static let addInput = "add 'input [784]' (or '[channels, height, width]') as its first line"
    static func missingLoss(_ net: String) -> String { "net '\(net)' has no 'loss'" }
    static let addLoss = "add 'loss cross_entropy' (or 'loss mse') as its last line"
    static let inputAfterLayer = "'input' must come before any layer"
    static let moveInputFirst = "move it to the first line of the net"
    static let firstLayerIsHere = "the first layer is here"
    static let statementAfterLoss = "'loss' must be the last statement of the net"
    static let moveLossLast = "move the 'loss' line to the end"
    static let lossIsHere = "the loss is here"
    static func badInputRank(_ n: Int) -> String { "the input must have 1 or 3 dimensions, got \(n)" }
    static let inputRankFix = "write '[features]' or '[channels, height, width]'"
    static func nestingTooDeep(_ limit: Int) -> String { "blocks, 'repeat' and 'residual' are nested more than \(limit) deep" }
    static func tooManyLayers(_ limit: Int) -> String { "the net expands to more than \(limit) layers" }
    static func repeatTooLarge(_ times: Int, _ per: Int, _ limit: Int) -> String {
        "'repeat \(times)' of \(per) layer\(per == 1 ? "" : "s") makes the net larger than \(limit) layers"
    }
    static func tooMuchExpansion(_ limit: Int) -> String { "the net takes more than \(limit) steps to expand" }

    // MARK: Shapes
    static func needsFlatInput(_ kw: String, _ shape: String) -> String { "'\(kw)' needs a flat input, got \(shape)" }
    static let insertFlatten = "insert 'flatten' before it"
    static func needsImageInput(_ kw: String, _ shape: String) -> String {
        "'\(kw)' needs a [channels, height, width] input, got \(shape)"
    }
    static let imageInputFix = "declare the input as '[channels, height, width]', e.g. 'input [1, 28, 28]'"
    static func needsRank1or3(_ kw: String, _ shape: String) -> String { "'\(kw)' needs a rank-1 or rank-3 input, got \(shape)" }
    static func windowTooLarge(_ kw: String, _ window: String, _ shape: String, _ padding: String) -> String {
        "'\(kw)' window \(window) does not fit its input \(shape) with padding \(padding): the output would be empty"
    }
    static let windowFix = "use a smaller window, more padding, or less pooling before it"
    static func poolPaddingTooLarge(_ kw: String, _ padding: String, _ window: String) -> String {
        "'\(kw)' padding \(padding) must be at most half its window \(window)"
    }
    static func sameNeedsOddKernel(_ kernel: String) -> String { "padding 'same' needs an odd kernel, got \(kernel)" }
    static func sameFix(_ k: Size2) -> String { "use an odd kernel or an explicit padding such as 'padding: \(max(k.h, k.w) / 2)'" }
    static func maxoutIndivisible(_ k: Int, _ width: Int) -> String { "'maxout \(k)' needs a width divisible by \(k), got \(width)" }
    static func maxoutFix(_ k: Int, _ width: Int) -> String {
        "make the layer before it \(width / k * k == 0 ? k : width / k * k) or \((width / k + 1) * k) wide"
    }
    static func tensorTooLarge(_ kw: String, _ shape: String, _ limit: Int) -> String {
        "'\(kw)' would need a tensor of shape \(shape), more than \(limit) values"
    }
    static func residualChangesShape(_ from: String, _ to: String) -> String {
        "the body of 'residual' changes the shape from \(from) to \(to)"
    }
    static func residualShapeFix(_ shape: String) -> String { "make the body end with the shape \(shape)" }
    static func lossNeedsFlat(_ kind: String, _ shape: String) -> String { "'loss \(kind)' needs a flat output, got \(shape)" }
    static let insertFlattenBeforeLoss = "insert 'flatten' (and a 'dense' layer) before the loss"
    static func crossEntropyNeedsClasses(_ shape: String) -> String {
        "'loss cross_entropy' needs at least 2 outputs, one per class, got \(shape)"
    }
    static let useMSE = "use 'loss mse' for a single output"

    // MARK: Configuration
    static func keyNotForMethod(_ key: String, _ method: String) -> String { "'\(key)' does not apply to '\(method)'" }
    static func keyAppliesTo(_ methods: [String]) -> String { "it applies to \(methods.map { "'\($0)'" }.joined(separator: ", "))" }
    static let nesterovNeedsMomentum = "'nesterov' needs a momentum greater than 0"
    static func sampledFisherNeedsSoftmax(_ loss: String) -> String {
        "'fisher: sampled' draws labels from the model's softmax, but the net's loss is \(loss)"
    }
    static let sampledFisherFix = "use 'loss cross_entropy', or 'fisher: empirical'"
    static let averagedWithNesterov = "'momentum_form: averaged' has no Nesterov look-ahead"
    static let dropNesterov = "remove 'nesterov: true', or use 'momentum_form: heavy_ball'"
    static func averagedNeedsSGDBase(_ base: String) -> String {
        "'momentum_form: averaged' is SGD's momentum; base \(base) keeps its own moments"
    }
    static let setMomentum = "add 'momentum: 0.9'"
    static func inverseBeforeFactors(_ inverse: Int, _ factors: Int) -> String {
        "'inverse_every' (\(inverse)) is less than 'factor_every' (\(factors)): the factors would be inverted again before they change"
    }
    static func inverseEveryFix(_ factors: Int) -> String { "write 'inverse_every: \(factors)' or more" }
    static let klClipExpectation = "a positive number or 'false'"
    static func dampingExpectation(_ start: Double) -> String {
        "a positive number or 'adaptive(\(start), every: 5, min: 1e-6, max: 100)'"
    }
    static let dampingAndLambda = "'damping' and 'lambda' both set SGD2's λ"
    static let lambdaGivenHere = "'lambda' is given here"
    static let dampingAndLambdaFix = "keep one: 'damping: adaptive(…)' starts from its own first argument"
    static func dampingBoundsOrder(_ low: Double, _ high: Double) -> String {
        "the damping bounds are out of order: min \(low) is not below max \(high)"
    }
    static let overrideNeedsName = "'layer' needs the name of a layer"
    static let overrideFix = "write e.g. 'layer dense1 { lr_scale: 0.1 }'"
    static let idxNeedsTwoFiles = "'idx' needs an image file and a label file"
    static let idxFix = "write 'idx(\"train-images-idx3-ubyte.gz\", \"train-labels-idx1-ubyte.gz\")'"
    static let cifarNeedsFiles = "'cifar10' needs at least one batch file"
    static let cifarFix = "write 'cifar10(\"data_batch_1.bin\")'"

    // MARK: Data agreement
    static func featureMismatch(_ features: Int, _ shape: String, _ count: Int) -> String {
        "the data has \(counted(features, "value")) per sample but the input \(shape) takes \(count)"
    }
    static func featureFix(_ features: Int) -> String { "declare 'input [\(features)]' or a shape with \(features) values" }
    static let netDeclaredHere = "the net is declared here"
    static func imageShapeMismatch(_ data: String, _ input: String) -> String {
        "the data's samples are images of shape \(data) but the input is \(input)"
    }
    static func imageShapeFix(_ data: String) -> String { "declare 'input \(data)', or flatten the data to match" }
    static func classMismatch(_ classes: Int, _ width: Int, _ layer: String) -> String {
        "the data has \(counted(classes, "class")) but the net ends with \(counted(width, "output")) ('\(layer)')"
    }
    static func classFix(_ classes: Int) -> String { "make the last layer \(classes) wide" }
    static func lastLayerHere(_ name: String) -> String { "'\(name)' is the last layer" }
}
