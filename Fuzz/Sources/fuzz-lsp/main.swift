import FuzzSupport
import NNC

// `nnc lsp`'s loop on a stdin stream: the first byte chooses where the rest is split into two
// reads (so a header or body cut across reads must be put back together), every frame goes to
// the framer and then the server, and the replies to a sink instead of stdout. Nothing may trap;
// a malformed frame or message gets an error reply or is dropped. The loop stops at `exit`, as
// the command does.
fuzz { bytes in
    guard let first = bytes.first else { return }
    let stream = bytes.dropFirst()
    let cut = stream.startIndex + (stream.isEmpty ? 0 : Int(first) % (stream.count + 1))
    var server = LanguageServer(version: "fuzz")
    var framer = MessageFramer()
    var sink = 0
    for read in [stream[..<cut], stream[cut...]] {
        framer.append(read)
        while let frame = framer.next() {
            let replies: [[UInt8]]
            switch frame {
            case .message(let body): replies = server.handle(body)
            case .malformed(let reason): replies = [server.malformed(reason)]
            }
            for reply in replies { sink &+= MessageFramer.frame(reply).count }
            if server.exitStatus != nil { return }
        }
    }
    _ = sink
}
