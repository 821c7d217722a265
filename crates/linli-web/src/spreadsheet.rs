//! The spreadsheets communities keep: reading .xlsx/.xls and .csv (UTF-8 or GBK, as Excel on a
//! Chinese Windows saves it) into rows of text, and writing .xlsx that cannot run formulas.
//!
//! Cells come back as the text people see. ID numbers typed into a number-formatted column
//! have already lost their last digits inside Excel (it keeps 15 significant digits): such
//! cells are reported, so the importer can say "format the column as text" instead of a
//! puzzling checksum error.

use std::collections::HashSet;
use std::io::Cursor;

use calamine::{Data, Reader};
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};

/// Rows beyond this are refused before any is checked (a whole city's register is ~10⁶).
pub const MAX_ROWS: usize = 200_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetError {
    /// Not a workbook or CSV we can read (`import_unreadable`).
    Unreadable(String),
    /// No header row (`import_empty`).
    Empty,
    /// More than [`MAX_ROWS`] rows (`import_too_many_rows`).
    TooManyRows,
}

/// A sheet's rows as text, the header first.
#[derive(Debug, Default)]
pub struct Sheet {
    pub rows: Vec<Vec<String>>,
    /// (row, column) of numbers too long for Excel to have kept exactly.
    pub lossy: HashSet<(usize, usize)>,
}

/// Reads the first worksheet of an .xlsx/.xls file, or a CSV file.
pub fn read(bytes: &[u8]) -> Result<Sheet, SheetError> {
    let sheet = if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        read_workbook(bytes)?
    } else {
        read_csv(bytes)?
    };
    match sheet.rows.first() {
        None => Err(SheetError::Empty),
        Some(h) if h.iter().all(String::is_empty) => Err(SheetError::Empty),
        Some(_) if sheet.rows.len() > MAX_ROWS + 1 => Err(SheetError::TooManyRows),
        Some(_) => Ok(sheet),
    }
}

fn read_workbook(bytes: &[u8]) -> Result<Sheet, SheetError> {
    let mut book =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| SheetError::Unreadable(e.to_string()))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| SheetError::Unreadable("the workbook has no worksheet".into()))?
        .map_err(|e| SheetError::Unreadable(e.to_string()))?;
    let mut sheet = Sheet::default();
    // Rows above the range's start are empty in the file; keep numbering as Excel shows it.
    let (first_row, first_col) = range.start().map_or((0, 0), |(r, c)| (r as usize, c as usize));
    for _ in 0..first_row {
        sheet.rows.push(Vec::new());
    }
    for (i, row) in range.rows().enumerate() {
        if sheet.rows.len() > MAX_ROWS + 1 {
            return Err(SheetError::TooManyRows);
        }
        let mut cells = vec![String::new(); first_col];
        for (j, cell) in row.iter().enumerate() {
            let (text, lossy) = cell_text(cell);
            if lossy {
                sheet.lossy.insert((first_row + i, first_col + j));
            }
            cells.push(text);
        }
        sheet.rows.push(cells);
    }
    Ok(sheet)
}

/// A cell as text, and whether it is a number too long to be exact.
fn cell_text(cell: &Data) -> (String, bool) {
    match cell {
        Data::Empty | Data::Error(_) => (String::new(), false),
        Data::String(s) => (s.trim().to_owned(), false),
        Data::Int(i) => (i.to_string(), i.unsigned_abs() >= 1_000_000_000_000_000),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e18 => (format!("{f:.0}"), f.abs() >= 1e15),
        Data::Float(f) => (f.to_string(), false),
        Data::Bool(b) => (if *b { "TRUE" } else { "FALSE" }.to_owned(), false),
        Data::DateTime(d) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            (format!("{y:04}-{m:02}-{day:02}"), false)
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => (s.chars().take(10).collect(), false),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, SheetError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Excel's "Unicode text" is UTF-16 with a byte-order mark; its "CSV" on a Chinese Windows
    // is GBK, which GB18030 reads (with everything else Chinese).
    let (text, had_errors) = if let Some(utf16) = bytes.strip_prefix(b"\xFF\xFE") {
        let (t, bad) = encoding_rs::UTF_16LE.decode_without_bom_handling(utf16);
        (t, bad)
    } else {
        match std::str::from_utf8(bytes) {
            Ok(t) => (std::borrow::Cow::Borrowed(t), false),
            Err(_) => encoding_rs::GB18030.decode_without_bom_handling(bytes),
        }
    };
    if had_errors {
        return Err(SheetError::Unreadable("neither UTF-8, UTF-16 nor GBK text".into()));
    }
    if text.contains('\0') {
        return Err(SheetError::Unreadable("binary content".into()));
    }
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if !first_line.contains(',') && first_line.contains('\t') { b'\t' } else { b',' };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut sheet = Sheet::default();
    for record in reader.records() {
        let record = record.map_err(|e| SheetError::Unreadable(e.to_string()))?;
        if sheet.rows.len() > MAX_ROWS + 1 {
            return Err(SheetError::TooManyRows);
        }
        sheet.rows.push(record.iter().map(|c| c.trim().to_owned()).collect());
    }
    Ok(sheet)
}

/// A spreadsheet cell that cannot run as a formula (`=`, `+`, `-`, `@` start one).
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_owned() }
}

/// Undoes [`neutralise`] on a cell read back from a file linli wrote.
pub fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => cell,
    }
}

/// One column of a written sheet.
pub struct Column<'a> {
    pub header: &'a str,
    /// Width in characters.
    pub width: f64,
}

/// Writes one sheet of text cells: a bold frozen header with filters, every cell text (so
/// ID numbers stay exact) and neutralised against formulas. Rows are streamed to a temporary
/// file, so a 100,000-row export does not hold the workbook in memory.
pub fn write(
    sheet_name: &str,
    columns: &[Column<'_>],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let text = Format::new().set_num_format("@");
    let header = Format::new().set_bold().set_background_color(0xE8EEF4).set_align(FormatAlign::Center);
    let sheet = book.add_worksheet_with_constant_memory()?;
    sheet.set_name(sheet_name)?;
    for (c, col) in columns.iter().enumerate() {
        let c = c as u16;
        sheet.set_column_width(c, col.width)?;
        sheet.set_column_format(c, &text)?;
        sheet.write_string_with_format(0, c, col.header, &header)?;
    }
    let mut last = 0u32;
    for (r, row) in rows.enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string_with_format(r, c as u16, neutralise(cell), &text)?;
            }
        }
        last = r;
    }
    if !columns.is_empty() {
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofilter(0, 0, last, columns.len() as u16 - 1)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_restored() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("-1+2"), "'-1+2");
        assert_eq!(neutralise("王芳"), "王芳");
        assert_eq!(unneutralise("'=1+2"), "=1+2");
        assert_eq!(unneutralise("'quoted"), "'quoted");
    }

    #[test]
    fn csv_in_utf8_with_bom_and_in_gbk() {
        let utf8 = "\u{feff}姓名,证件号码\n王芳,350103199001011234\n";
        let s = read(utf8.as_bytes()).expect("utf-8");
        assert_eq!(s.rows[1], ["王芳", "350103199001011234"]);
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,楼栋\n李秀英,榕华花园1号楼\n");
        let s = read(&gbk).expect("gbk");
        assert_eq!(s.rows[1], ["李秀英", "榕华花园1号楼"]);
        let tabs = read("姓名\t楼栋\n王芳\t1号楼\n".as_bytes()).expect("tabs");
        assert_eq!(tabs.rows[1], ["王芳", "1号楼"]);
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("姓名\t楼栋\n王芳\t1号楼\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(read(&utf16).expect("utf-16").rows[1], ["王芳", "1号楼"], "Excel's Unicode text");
    }

    #[test]
    fn garbage_and_empty_files_are_refused() {
        assert_eq!(read(b"").err(), Some(SheetError::Empty));
        assert!(matches!(read(b"\x81\x20\x81\x20"), Err(SheetError::Unreadable(_))), "not GBK");
        assert!(matches!(read(b"a,b\n\0\0\n"), Err(SheetError::Unreadable(_))), "binary");
        assert!(matches!(read(b"PK\x03\x04not really a zip"), Err(SheetError::Unreadable(_))));
    }

    #[test]
    fn written_workbooks_read_back_exactly_and_long_numbers_are_flagged() {
        let cols = [Column { header: "姓名", width: 10.0 }, Column { header: "证件号码", width: 22.0 }];
        let rows =
            vec![vec!["王芳".to_owned(), "35010319900101123X".to_owned()], vec!["=cmd".to_owned(), String::new()]];
        let bytes = write("台账", &cols, rows.into_iter()).expect("write");
        let s = read(&bytes).expect("read back");
        assert_eq!(s.rows[0], ["姓名", "证件号码"]);
        assert_eq!(s.rows[1], ["王芳", "35010319900101123X"]);
        assert_eq!(s.rows[2][0], "'=cmd");
        assert!(s.lossy.is_empty());

        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.write_string(0, 0, "证件号码").expect("header");
        ws.write_number(1, 0, 350103199001011234.0).expect("number");
        let bytes = book.save_to_buffer().expect("save");
        let s = read(&bytes).expect("read");
        assert!(s.lossy.contains(&(1, 0)), "an 18-digit number cannot be exact");
    }
}
