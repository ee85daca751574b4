//! A first load with epyr's core: the dataset's format, dimensions, x axis, a parameter and the
//! first values, through the loader with the global cache.
//!
//! `cargo run -p epyr-core --example first_load -- examples-c/data/nitroxide_cw.DSC`

use std::path::PathBuf;

use epyr_core::{Loader, LoaderOptions};

fn main() -> Result<(), epyr_core::Error> {
    let path = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from("examples-c/data/nitroxide_cw.DSC"),
        PathBuf::from,
    );
    let loader = Loader::new(LoaderOptions::default())?; // the configuration's cache settings
    let ds = loader.load(&path, "")?; // "" no scaling; "nG" etc. as eprload
    let [nx, ny, nz] = ds.dims();
    println!("{} ({})", path.display(), ds.format().as_str());
    println!("{nx} x {ny} x {nz} points");
    if let Some(x) = ds.axis(0) {
        let (first, last) = (x.values[0], x.values[x.values.len() - 1]);
        println!("x: {} ({}) from {first} to {last}", x.name, x.unit);
    }
    if let Some(frequency) = ds.params().number("MWFQ") {
        println!("microwave frequency {frequency} Hz");
    }
    let y = &ds.components()[0].values; // f64 in file order: x fastest
    println!("first values {:?}", &y[..y.len().min(4)]);
    Ok(())
}
