//! Standard output that survives its reader going away (`ecg-stenosis predict … | head`): the
//! first write that finds the pipe closed stops all later output, and the command goes on, so
//! the files it writes (a `--csv` table, an SVG) are still complete and its exit status still
//! says how the run went.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `text` to standard output unless it has been closed.
pub fn write(text: std::fmt::Arguments) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_fmt(text)
        .and_then(|()| stdout.flush())
        .is_err()
    {
        CLOSED.store(true, Ordering::Relaxed);
    }
}

/// `println!` on [`write`].
macro_rules! say {
    () => {
        $crate::cli::out::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::out::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` on [`write`].
macro_rules! say_raw {
    ($($arg:tt)*) => {
        $crate::cli::out::write(format_args!($($arg)*))
    };
}
