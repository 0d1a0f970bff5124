//! Reading and writing regedit `.reg` files (work in progress).
