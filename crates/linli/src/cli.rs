//! The command line, with help in Chinese and English.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "linli",
    version,
    about = "邻里 城市社区服务平台 / linli, urban community services",
    long_about = "邻里：依据福建省地方标准《城市社区服务规范》的社区服务平台。\n\
                  linli: community service centres run by the Fujian standard.\n\n\
                  配置优先级 / configuration precedence: 命令行参数 flags > 环境变量 LINLI_* > 配置文件 TOML file."
)]
pub struct Cli {
    /// 配置文件（TOML）；默认读取当前目录的 linli.toml（若存在）/ configuration file (TOML)
    #[arg(long, global = true, env = "LINLI_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// Where the database is and where to listen.
#[derive(Debug, Args, Clone, Default)]
pub struct DbArgs {
    /// 数据库：SQLite 文件路径或 postgres:// 地址 / database: a SQLite file or a postgres:// URL
    #[arg(long, value_name = "PATH|URL")]
    pub db: Option<String>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// 监听地址 / address to listen on, e.g. 127.0.0.1:8080
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 启动服务 / run the server
    Serve(ServeArgs),
    /// 演示：建立并填充演示数据库后启动（默认 linli-demo.db，127.0.0.1:8080）/ run with demo data
    Demo(ServeArgs),
    /// 执行数据库迁移 / apply database migrations
    Migrate(DbArgs),
    /// 检查数据库完整性和迁移状态 / check database integrity and migration state
    Check(DbArgs),
    /// 用户管理 / manage user accounts
    #[command(subcommand)]
    User(UserCommand),
    /// 工作日历（节假日与调休）/ the working-day calendar
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// 集成用 API 令牌 / API tokens for integrations
    #[command(subcommand)]
    Token(TokenCommand),
    /// 审计日志 / the audit log
    #[command(subcommand)]
    Audit(AuditCommand),
    /// 个人信息加密密钥 / the key that encrypts personal data
    #[command(subcommand)]
    Key(KeyCommand),
    /// 统计数字（按社区按日的计数）：核对或重算 / the day counts behind the figures: check or rebuild
    #[command(subcommand)]
    Figures(FiguresCommand),
    /// 生成合成数据（社区 / 区 / 市规模）/ generate synthetic data at community, district or city scale
    Gen(GenArgs),
    /// 显示版本 / show the version
    Version,
}

#[derive(Debug, Args, Clone)]
pub struct GenArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// 规模 / scale: community（1 个社区）, district（50 个社区）, city（500 个社区）
    #[arg(long, value_parser = ["community", "district", "city", "tiny"], hide_possible_values = true)]
    pub scale: String,
    /// 随机种子：相同种子同一天生成相同数据 / random seed: the same seed gives the same data on the same day
    #[arg(long)]
    pub seed: Option<u64>,
    /// 社区数（覆盖规模的默认值）/ number of communities (overrides the scale)
    #[arg(long, hide = true)]
    pub communities: Option<usize>,
    /// 每个社区的居民数 / residents per community (overrides the scale)
    #[arg(long, hide = true)]
    pub residents: Option<usize>,
    /// 每个社区一年的服务申请数 / requests a year per community (overrides the scale)
    #[arg(long, hide = true)]
    pub requests: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum FiguresCommand {
    /// 与按原始记录重新计数的结果比对，不一致时列出并以非零状态退出 / compare with a recount from the records; exit 1 when they differ
    Check {
        #[command(flatten)]
        db: DbArgs,
    },
    /// 按原始记录重算所有社区的计数（如恢复备份或直接改库之后）/ recompute every community's counts from the records
    Rebuild {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// 新建账户 / add an account
    Add {
        #[command(flatten)]
        db: DbArgs,
        /// 用户名 / username (3–32 characters: a-z 0-9 _ . -)
        #[arg(long)]
        username: String,
        /// 姓名 / display name, e.g. 王芳
        #[arg(long)]
        name: String,
        /// 角色 / role: admin, supervisor, community_head, window_worker, grid_worker, social_worker, assessor, resident, volunteer
        #[arg(long)]
        role: String,
        /// 所属节点的 12 位区划代码 / the 12-digit division code of the user's node
        #[arg(long)]
        node: String,
        /// 从标准输入读取密码（否则生成初始密码并打印）/ read the password from stdin (otherwise one is generated and printed)
        #[arg(long)]
        password_stdin: bool,
        /// 不要求首次登录改密（默认要求）/ do not force a password change at first sign-in
        #[arg(long)]
        no_password_change: bool,
    },
    /// 重设密码（同时退出该用户的所有会话）/ reset a password (ends all of the user's sessions)
    Passwd {
        #[command(flatten)]
        db: DbArgs,
        /// 用户名 / username
        username: String,
        /// 从标准输入读取新密码（否则生成并打印）/ read the new password from stdin (otherwise one is generated)
        #[arg(long)]
        password_stdin: bool,
    },
    /// 列出账户 / list accounts
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// 显示某年的节假日安排 / show a year's rules
    Show {
        #[command(flatten)]
        db: DbArgs,
        year: i32,
    },
    /// 从文本文件导入并替换某年安排 / replace a year's rules from a text file
    Load {
        #[command(flatten)]
        db: DbArgs,
        year: i32,
        /// 每行：日期或范围 类型 名称，如 “2027-02-06..2027-02-13 holiday 春节” / one rule per line
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// 新建令牌，仅在标准输出打印令牌本身 / create a token; prints only the token on stdout
    Add {
        #[command(flatten)]
        db: DbArgs,
        /// 令牌所属节点（12 位区划代码），令牌只能作用于该节点及其下级 / the node the token acts at
        #[arg(long)]
        node: String,
        /// 权限范围，可重复，如 node:read community:read / scopes, repeatable
        #[arg(long = "scope", required = true, num_args = 1..)]
        scopes: Vec<String>,
        /// 名称 / a name, e.g. 12345 热线
        #[arg(long, default_value = "integration")]
        name: String,
        /// 有效天数（不填则不过期）/ days until it expires
        #[arg(long)]
        days: Option<u32>,
    },
    /// 列出令牌 / list tokens
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// 吊销令牌 / revoke a token
    Revoke {
        #[command(flatten)]
        db: DbArgs,
        /// 令牌编号（token list 的第一列）/ the token's id
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// 校验所有审计哈希链；被篡改时以非零状态退出 / verify every hash chain; exit 1 if tampered
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// 生成新密钥并用它重新加密全部个人信息 / re-encrypt all personal data under a new key
    Rotate {
        #[command(flatten)]
        db: DbArgs,
        /// 新密钥文件（必须尚不存在）/ the new key file (must not exist yet)
        #[arg(long, value_name = "FILE")]
        new_key_file: PathBuf,
    },
}
