import Foundation

/// What a path names, symbolic links followed: asked without the pointer that
/// `FileManager.fileExists(atPath:isDirectory:)` takes.
public enum PathKind {
    case missing, directory, file

    public static func of(_ path: String) -> PathKind {
        guard FileManager.default.fileExists(atPath: path) else { return .missing }
        let values = try? URL(fileURLWithPath: path).resolvingSymlinksInPath().resourceValues(forKeys: [.isDirectoryKey])
        return values?.isDirectory == true ? .directory : .file
    }
}
