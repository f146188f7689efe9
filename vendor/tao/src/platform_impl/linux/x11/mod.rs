// Copyright 2014-2021 The winit contributors
// Copyright 2021-2023 Tauri Programme within The Commons Conservancy
// SPDX-License-Identifier: Apache-2.0

pub mod ffi;
pub mod xdisplay;

pub use xdisplay::XConnection;
