//! The native command line: `train`, `compare`, `bench`, `lesson`, `export`, `objective`,
//! `presets`, `schema`, `tasks`, `problems`, `verify` (see README.md). Each command is a file of
//! `cli/`; this file tunes the allocator, parses the arguments and dispatches.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, Command};

/// glibc gives every allocation above 128 KiB its own mapping and unmaps it on free, so each
/// step's larger tensors page-fault afresh, and two threads queue on the kernel's memory-map
/// lock. Keeping them in the heap made the reference step 6–11 % faster.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_large_allocations_in_the_heap() {
    // SAFETY: mallopt only tunes glibc's allocator; called first, before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}

fn main() -> ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    keep_large_allocations_in_the_heap();
    let cli = Cli::parse();
    // What to print, and whether it succeeded (a lesson whose checks fail exits with 1).
    let done = |out: String| (out, true);
    let result = match cli.command {
        Command::Train {
            config,
            sets,
            out,
            save,
            resume,
            device,
            threads,
        } => cli::train::train(config, sets, out, save, resume, device, threads).map(done),
        Command::Compare {
            configs,
            sets,
            seeds,
            target,
            options,
        } => cli::compare::compare(configs, sets, seeds, target, options).map(done),
        Command::Bench {
            sets,
            devices,
            options,
        } => cli::bench::bench(sets, devices, options).map(done),
        Command::Presets { markdown } => Ok(done(cli::presets::presets(markdown))),
        Command::Tasks => Ok(done(cli::tasks::tasks())),
        Command::Schema { markdown } => Ok(done(cli::schema::schema(markdown))),
        Command::Objective { f32 } => cli::objective::objective(f32).map(done),
        Command::Export { to, config, sets } => {
            cli::export::export(&to, config.as_ref(), &sets).map(done)
        }
        Command::Problems {
            config,
            sets,
            count,
        } => cli::problems::problems(config.as_ref(), &sets, count).map(done),
        Command::Verify { config, sets } => {
            cli::problems::verify(config.as_ref(), &sets, std::io::stdin().lock()).map(done)
        }
        Command::Lesson {
            id,
            file,
            seeds,
            seed_base,
            json,
            threads,
            ..
        } => cli::lesson::lesson(id, file, seeds, seed_base, json, threads),
    };
    match result {
        Ok((out, held)) => {
            println!("{}", out.trim_end());
            ExitCode::from(if held { 0 } else { 1 })
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
